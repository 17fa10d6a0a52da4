//! The pair budget: which tuples are counted, in how many passes.
//!
//! Counting every pair of F features costs F (F - 1) / 2 tables, so pairs
//! are counted among the best M features by relevance only. [`run`] does
//! the passes over the input that this needs, through a caller's closure
//! (a file reader, in-memory batches, ...):
//!
//! 1. rank every feature; when all pairable features fit in M, their pairs
//!    are counted in this same pass;
//! 2. otherwise count every pair among the best M;
//! 3. with triples, extend each of the best T pairs by adjusted synergy by
//!    every other of the M features and count those triples.
//!
//! What was counted is stated in a [`BudgetUsed`], in words too.

use serde::{Deserialize, Serialize};

use super::{Interactions, PairSpec};
use crate::error::{Error, Result};
use crate::params::RankParams;
use crate::ranker::Ranker;
use crate::ranking::Ranking;

/// How many feature tuples to count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairBudget {
    /// Pairs are counted among the best `max_features` by relevance.
    pub max_features: usize,
    /// At most this many pairs: `max_features` is lowered until
    /// M (M - 1) / 2 fits.
    pub max_pairs: Option<usize>,
    /// Count triples: each of the best `T` pairs by adjusted synergy,
    /// extended by every other of the M features.
    pub triple_pairs: Option<usize>,
}

/// Default of [`PairBudget::max_features`].
pub const DEFAULT_MAX_FEATURES: usize = 50;
/// Default number of pairs extended to triples.
pub const DEFAULT_TRIPLE_PAIRS: usize = 10;

impl Default for PairBudget {
    fn default() -> Self {
        PairBudget {
            max_features: DEFAULT_MAX_FEATURES,
            max_pairs: None,
            triple_pairs: None,
        }
    }
}

impl PairBudget {
    /// M: the largest number of features <= `max_features` whose pairs fit
    /// in `max_pairs`.
    ///
    /// ```
    /// let b = cardrank::PairBudget { max_pairs: Some(10), ..Default::default() };
    /// assert_eq!(b.features(), 5);
    /// ```
    pub fn features(&self) -> usize {
        let mut m = self.max_features;
        if let Some(p) = self.max_pairs {
            while m > 1 && m * (m - 1) / 2 > p {
                m -= 1;
            }
        }
        m
    }

    /// Whether ranking and pair counting share one pass over the input.
    pub fn one_pass(&self, pairable: usize) -> bool {
        pairable <= self.features()
    }

    /// Passes over the input [`run`] makes at most.
    pub fn passes(&self, pairable: usize) -> usize {
        let counting = usize::from(!self.one_pass(pairable));
        1 + counting + usize::from(self.triple_pairs.is_some())
    }

    fn check(&self) -> Result<usize> {
        let m = self.features();
        if m < 2 {
            return Err(Error::InvalidParameter {
                name: "max_features",
                value: format!(
                    "{} with max_pairs {}, leaving {m}",
                    self.max_features,
                    self.max_pairs.map_or("none".into(), |p| p.to_string())
                ),
                expected: "at least 2 features to pair",
            });
        }
        Ok(m)
    }
}

/// What was counted, and why not more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetUsed {
    /// Features ranked.
    pub features_ranked: usize,
    /// The budget's `max_features`.
    pub max_features: usize,
    /// The budget's `max_pairs`, if given.
    pub max_pairs: Option<usize>,
    /// The features whose pairs were counted, best first.
    pub pair_features: Vec<String>,
    /// Pairs counted.
    pub pairs_tested: usize,
    /// The budget's `triple_pairs`, when triples were counted.
    pub triple_pairs: Option<usize>,
    /// Triples counted.
    pub triples_tested: usize,
    /// Passes over the input.
    pub passes: usize,
    /// The budget in words.
    pub note: String,
}

/// A ranking with its pairs (and triples) and the budget used.
#[derive(Debug, Clone)]
pub struct PairRun {
    /// Every feature ranked.
    pub ranking: Ranking,
    /// Redundancy, joint relevance and synergy of the counted tuples.
    pub interactions: Interactions,
    /// What was counted.
    pub budget: BudgetUsed,
}

/// Ranks, then counts pairs (and triples) within `budget`.
///
/// `features_ranked` is how many features the input has (for the note);
/// `pairable` are those that can be paired (single-valued columns: a
/// multivalue column has no pair table), in input order. `pass(ranker,
/// columns)` must stream the whole input into `ranker`: every column when
/// `columns` is `None`, else at least those (and the target).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{pairs, PairBudget, RankParams};
///
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["0", "0", "1", "1", "0", "0", "1", "1"])),
///     ("b", col(&["0", "1", "0", "1", "0", "1", "0", "1"])),
///     ("c", col(&["0", "0", "0", "0", "1", "1", "1", "1"])),
///     ("y", col(&["0", "1", "1", "0", "0", "1", "1", "0"])),
/// ]).unwrap();
/// let names = ["a", "b", "c"].map(String::from);
/// let budget = PairBudget { max_features: 2, ..Default::default() };
/// let run = pairs::run(RankParams::new("y"), 3, &names, &budget, |ranker, _| {
///     ranker.update(&batch)
/// }).unwrap();
/// assert_eq!(run.budget.passes, 2);
/// assert_eq!(run.budget.pairs_tested, 1);
/// ```
pub fn run<E: From<Error>>(
    params: RankParams,
    features_ranked: usize,
    pairable: &[String],
    budget: &PairBudget,
    mut pass: impl FnMut(&mut Ranker, Option<&[String]>) -> std::result::Result<(), E>,
) -> std::result::Result<PairRun, E> {
    let m = budget.check()?;
    let one_pass = budget.one_pass(pairable.len());
    let first = if one_pass {
        params.clone().pairs(PairSpec::among(pairable))
    } else {
        params.clone()
    };
    let mut ranker = Ranker::new(first)?;
    pass(&mut ranker, None)?;
    let ranking = ranker.finish()?;
    let (mut interactions, mut pair_features, mut passes) = if one_pass {
        (ranker.interactions()?, pairable.to_vec(), 1)
    } else {
        drop(ranker);
        let chosen: Vec<String> = ranking
            .features
            .iter()
            .map(|f| &f.feature)
            .filter(|f| pairable.contains(f))
            .take(m)
            .cloned()
            .collect();
        let mut second = Ranker::new(
            params
                .clone()
                .features(&chosen)
                .pairs(PairSpec::among(&chosen)),
        )?;
        pass(&mut second, Some(&chosen))?;
        (second.interactions()?, chosen, 2)
    };
    // Best first, for the report and for the triples' name order.
    let rank_of = |f: &String| ranking.features.iter().position(|s| &s.feature == f);
    pair_features.sort_by_key(rank_of);
    if let Some(t) = budget.triple_pairs {
        let candidates = triple_candidates(&interactions, &pair_features, t);
        if !candidates.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for c in candidates.iter().flatten() {
                if !names.contains(c) {
                    names.push(c.clone());
                }
            }
            let spec = PairSpec::default().with_triples(candidates);
            let mut third = Ranker::new(params.features(&names).pairs(spec))?;
            pass(&mut third, Some(&names))?;
            interactions.add_triples(third.interactions()?);
            passes += 1;
        }
    }
    let note = format!(
        "pairs among the best {} of {features_ranked} features by relevance ({} pairs{}){}",
        pair_features.len(),
        interactions.pairs_tested,
        if m < budget.max_features {
            format!(
                ", max_pairs {} lowered max_features {} to {m}",
                budget.max_pairs.unwrap_or(0),
                budget.max_features
            )
        } else {
            String::new()
        },
        match budget.triple_pairs {
            Some(t) => format!(
                "; triples: the best {t} pairs by adjusted synergy, each extended by every other of those features ({} triples)",
                interactions.triples_tested
            ),
            None => String::new(),
        }
    );
    let budget = BudgetUsed {
        features_ranked,
        max_features: budget.max_features,
        max_pairs: budget.max_pairs,
        pair_features,
        pairs_tested: interactions.pairs_tested,
        triple_pairs: budget.triple_pairs,
        triples_tested: interactions.triples_tested,
        passes,
        note,
    };
    Ok(PairRun {
        ranking,
        interactions,
        budget,
    })
}

/// Triples: each of the best `t` pairs by adjusted synergy, extended by
/// every other feature of `features`; each triple once, its names in the
/// order of `features`.
fn triple_candidates(inter: &Interactions, features: &[String], t: usize) -> Vec<[String; 3]> {
    let pos = |f: &String| features.iter().position(|g| g == f).unwrap_or(usize::MAX);
    let mut out: Vec<[String; 3]> = Vec::new();
    for p in inter.pairs.iter().take(t) {
        for c in features {
            if p.features.contains(c) {
                continue;
            }
            let mut tri = [p.features[0].clone(), p.features[1].clone(), c.clone()];
            tri.sort_by_key(pos);
            if !out.contains(&tri) {
                out.push(tri);
            }
        }
    }
    out
}
