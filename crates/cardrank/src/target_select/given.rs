//! What each candidate adds to the features a model already has.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pairs::{Conditional, PairProbe};
use crate::ranking::Ranking;
use crate::state::RankState;
use crate::Score;

/// One candidate of a [`GivenRanking`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GivenScore {
    /// 1 is the best.
    pub rank: usize,
    /// The candidate.
    pub feature: String,
    /// Its relevance alone, MI - EMI.
    pub relevance: f64,
    /// What `f` adds (sorted by): `joint.adjusted` when the given features'
    /// combinations fit the budget, else `min_adjusted`.
    pub score: f64,
    /// The z-score of `score`.
    pub z: Option<f64>,
    /// The smallest adjusted CMI(f; Y | g) over the given features `g`: what
    /// `f` adds beyond the given feature that explains it best.
    pub min_adjusted: f64,
    /// The given feature reaching the minimum.
    pub worst: String,
    /// `f` is a function of a given feature (or of their joint value): it
    /// adds nothing (ranked last).
    pub determined: bool,
    /// Adjusted CMI(f; Y | G) given the joint value of all given features,
    /// when their observed combinations fit the budget.
    pub joint: Option<Conditional>,
    /// Every single-feature term, one per given feature, in the order given.
    pub terms: Vec<Conditional>,
}

/// Candidates ranked by what they add beyond given features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GivenRanking {
    /// The given features.
    pub given: Vec<String>,
    /// Pair tables finished (candidates times given features, plus one per
    /// candidate against the joint value).
    pub pairs_measured: usize,
    /// Observed combinations of the given features, when at most the
    /// budget (and every row buffered): then `joint` is filled.
    pub joint_levels: Option<usize>,
    /// Candidates, best first: those a given feature determines last, the
    /// rest by `score` (ties by name).
    pub features: Vec<GivenScore>,
}

/// Ranks the features of the state's pair spec, except `given`, by what they
/// add beyond the given features (see [`crate::Conditional`]): given the
/// joint value of all of them when their observed combinations are at most
/// `joint_budget` (and every row is still buffered as codes), else by the
/// smallest adjusted conditional relevance given any one of them. Constant
/// columns are left out. The state must be built with
/// [`crate::RankParams::pairs`] over the candidates and the given features.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{rank_given, PairSpec, RankParams, Ranker};
///
/// // y = a XOR b: b alone tells nothing, beyond a everything.
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.repeat(25))) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["0", "0", "1", "1"])),
///     ("b", col(&["0", "1", "0", "1"])),
///     ("a_copy", col(&["p", "p", "q", "q"])),
///     ("y", col(&["0", "1", "1", "0"])),
/// ]).unwrap();
/// let spec = PairSpec::among(["a", "b", "a_copy"]);
/// let mut ranker = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
/// ranker.update(&batch).unwrap();
/// let r = rank_given(ranker.state(), &["a"], 10_000).unwrap();
/// assert_eq!(r.features[0].feature, "b");
/// assert_eq!(r.features[1].feature, "a_copy");
/// assert!(r.features[1].determined);
/// ```
pub fn rank_given<S: AsRef<str> + Sync>(
    state: &RankState,
    given: &[S],
    joint_budget: usize,
) -> Result<GivenRanking> {
    let probe = PairProbe::new(state)?;
    let given: Vec<String> = given.iter().map(|g| g.as_ref().to_string()).collect();
    if given.is_empty() {
        return Err(Error::InvalidParameter {
            name: "given",
            value: "[]".into(),
            expected: "at least one given feature",
        });
    }
    for g in &given {
        if !probe.features().contains(g) {
            return Err(Error::UnknownColumn {
                column: g.clone(),
                available: probe.features().to_vec(),
            });
        }
    }
    let ranking = Ranking::from_state(state, Score::Adjusted)?;
    let cands: Vec<(&str, f64)> = ranking
        .features
        .iter()
        .filter(|f| {
            f.cardinality >= 2
                && f.entropy > 0.0
                && probe.features().contains(&f.feature)
                && !given.contains(&f.feature)
        })
        .map(|f| (f.feature.as_str(), f.adjusted))
        .collect();
    let jobs: Vec<(usize, usize)> = (0..cands.len())
        .flat_map(|c| (0..given.len()).map(move |g| (c, g)))
        .collect();
    let measured: Vec<Conditional> = jobs
        .par_iter()
        .map(|&(c, g)| probe.conditional(cands[c].0, &given[g]).map(|[x, _]| x))
        .collect::<Result<_>>()?;
    let joint_feature = probe.joint_of(&given, joint_budget)?;
    let joint: Vec<Option<Conditional>> = match &joint_feature {
        Some(j) => cands
            .par_iter()
            .map(|&(f, _)| probe.conditional_on_joint(f, j).map(Some))
            .collect::<Result<_>>()?,
        None => vec![None; cands.len()],
    };
    let mut features: Vec<GivenScore> = measured
        .chunks(given.len().max(1))
        .zip(&cands)
        .zip(joint)
        .map(|((terms, &(feature, relevance)), joint)| {
            let worst = terms
                .iter()
                .min_by(|a, b| a.adjusted.total_cmp(&b.adjusted))
                .unwrap_or(&terms[0]);
            let (score, z) = match &joint {
                Some(j) => (j.adjusted, j.z),
                None => (worst.adjusted, worst.z),
            };
            GivenScore {
                rank: 0,
                feature: feature.to_string(),
                relevance,
                score,
                z,
                min_adjusted: worst.adjusted,
                worst: worst.given.clone(),
                determined: terms.iter().any(|t| t.determined)
                    || joint.as_ref().is_some_and(|j| j.determined),
                joint,
                terms: terms.to_vec(),
            }
        })
        .collect();
    features.sort_by(|a, b| {
        a.determined
            .cmp(&b.determined)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.feature.cmp(&b.feature))
    });
    for (i, f) in features.iter_mut().enumerate() {
        f.rank = i + 1;
    }
    Ok(GivenRanking {
        given,
        pairs_measured: probe.pairs_measured(),
        joint_levels: joint_feature.as_ref().map(|j| j.levels()),
        features,
    })
}
