//! The pair budget: which tuples are counted, in how many passes.
//!
//! Counting every pair of F features costs F (F - 1) / 2 tables, so pairs
//! are counted among the best M features by relevance only. A [`PairPlan`]
//! says, pass by pass, what to count over the whole input, and takes each
//! pass's counts back:
//!
//! 1. rank every feature; when all pairable features fit in M, their pairs
//!    are counted in this same pass;
//! 2. otherwise count every pair among the best M;
//! 3. with triples, extend each of the best T pairs by adjusted synergy by
//!    every other of the M features and count those triples.
//!
//! With [`PairPlan::conditional`] the plan serves selection in target units
//! and ranking given features instead: its second pass keeps the best M
//! candidates and the given features as buffered codes (no table counted
//! yet), and [`PairPlan::finish_probe`] hands over that state, whose pairs
//! `cardrank::select_target` and `cardrank::rank_given` finish on demand.
//!
//! This is the one place the plan is written: [`run`] drives it in one
//! process through a caller's closure (a file reader, in-memory batches);
//! `cardrank.dask` drives the same [`PairPlan`] (through the binding) with a
//! tree of partition states per pass. What was counted is stated in a
//! [`BudgetUsed`], in words too.

use cardrank::{
    Error, GroupInfo, Grouping, Interactions, PairSpec, RankParams, RankState, Ranker, Ranking,
    Result,
};
use serde::{Deserialize, Serialize};

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
/// Default M of a conditional plan (selection in target units, ranking
/// given features): pairs are measured on demand, candidate against chosen
/// feature only, so M can be ten times the pairs' default.
pub const DEFAULT_CANDIDATES: usize = 500;
/// The row buffer of a conditional plan's pass: the candidates' codes are
/// kept (4 bytes per feature and row: 1M rows of 500 candidates take 2 GB)
/// so that any pair is measured when asked for. Past it every pair of the
/// candidates is counted into a table while reading (slow for large M).
pub const PROBE_BUFFER_BYTES: usize = 4 << 30;

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
    /// let b = cardrank_run::PairBudget { max_pairs: Some(10), ..Default::default() };
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

    /// Passes over the input a [`PairPlan`] makes at most.
    pub fn passes(&self, pairable: usize) -> usize {
        let counting = usize::from(!self.one_pass(pairable));
        1 + counting + usize::from(self.triple_pairs.is_some())
    }

    /// M, or an error when fewer than two features are left to pair.
    pub fn check(&self) -> Result<usize> {
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

/// What one pass over the input must count: a ranker with `params`, fed
/// every row, reading every column when `columns` is `None`, else at least
/// those (and the target).
#[derive(Debug, Clone)]
pub struct Pass {
    /// The parameters of the pass's ranker (its features and pair spec).
    pub params: RankParams,
    /// The columns the pass reads (`None`: all of the run's columns).
    pub columns: Option<Vec<String>>,
}

/// Where a [`PairPlan`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Rank,
    Pairs,
    Triples,
    Done,
}

/// The pair budget's passes, one at a time: [`PairPlan::next`] says what
/// the next pass counts, [`PairPlan::take`] takes its counts back, and
/// [`PairPlan::finish`] gives the result once `next` says no more.
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{RankParams, Ranker};
/// use cardrank_run::{PairBudget, PairPlan};
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
/// let mut plan = PairPlan::new(RankParams::new("y"), 3, &names, &budget).unwrap();
/// while let Some(pass) = plan.next() {
///     let mut ranker = Ranker::new(pass.params).unwrap();
///     ranker.update(&batch).unwrap(); // a real pass reads `pass.columns`
///     plan.take(ranker).unwrap();
/// }
/// let run = plan.finish().unwrap();
/// assert_eq!((run.budget.passes, run.budget.pairs_tested), (2, 1));
/// ```
#[derive(Debug, Clone)]
pub struct PairPlan {
    params: RankParams,
    features_ranked: usize,
    pairable: Vec<String>,
    budget: PairBudget,
    m: usize,
    stage: Stage,
    ranking: Option<Ranking>,
    interactions: Option<Interactions>,
    pair_features: Vec<String>,
    passes: usize,
    /// `Some`: a conditional plan, with these given features.
    given: Option<Vec<String>>,
    /// A conditional plan's state: the candidates' buffered codes.
    state: Option<RankState>,
}

/// A conditional plan's result: the ranking and the state holding the
/// candidates and the given features, for `cardrank::select_target` and
/// `cardrank::rank_given`.
#[derive(Debug, Clone)]
pub struct ProbeRun {
    /// Every feature ranked.
    pub ranking: Ranking,
    /// The candidates and the given features, their pairs not yet measured.
    pub state: RankState,
    /// The given features.
    pub given: Vec<String>,
    /// M: at most this many candidates (besides the given features).
    pub max_candidates: usize,
    /// What was read (`pairs_tested` stays 0: pairs are measured on demand).
    pub budget: BudgetUsed,
    /// How the state's values were grouped into levels.
    pub grouping: Grouping,
    /// What the grouping did, feature by feature (the features it left
    /// alone are not listed).
    pub grouped: Vec<GroupInfo>,
}

impl PairPlan {
    /// A plan over an input of `features_ranked` features, of which
    /// `pairable` (single-valued columns: a multivalue column has no pair
    /// table) can be paired, in input order.
    pub fn new(
        params: RankParams,
        features_ranked: usize,
        pairable: &[String],
        budget: &PairBudget,
    ) -> Result<PairPlan> {
        let m = budget.check()?;
        Ok(PairPlan {
            params,
            features_ranked,
            pairable: pairable.to_vec(),
            budget: budget.clone(),
            m,
            stage: Stage::Rank,
            ranking: None,
            interactions: None,
            pair_features: Vec::new(),
            passes: 0,
            given: None,
            state: None,
        })
    }

    /// Makes this a conditional plan: its pairs are not counted but kept as
    /// buffered codes of the best M candidates and every `given` feature,
    /// for [`PairPlan::finish_probe`]. The given features must be pairable;
    /// triples are not counted.
    pub fn conditional(mut self, given: &[String]) -> Result<PairPlan> {
        if let Some(t) = self.budget.triple_pairs {
            return Err(Error::InvalidParameter {
                name: "triple_pairs",
                value: t.to_string(),
                expected: "no triples in a selection or a ranking given features",
            });
        }
        for g in given {
            if *g == self.params.target {
                return Err(Error::InvalidParameter {
                    name: "given",
                    value: g.clone(),
                    expected: "feature columns: the target cannot be given",
                });
            }
            if !self.pairable.contains(g) {
                return Err(Error::UnknownColumn {
                    column: g.clone(),
                    available: self.pairable.clone(),
                });
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for g in given {
            if !seen.contains(g) {
                seen.push(g.clone());
            }
        }
        self.given = Some(seen);
        Ok(self)
    }

    /// The given features of a conditional plan (none otherwise).
    fn given(&self) -> &[String] {
        self.given.as_deref().unwrap_or(&[])
    }

    /// Whether the ranking pass also counts the pairs (all pairable
    /// features fit in M, besides the given ones).
    fn one_pass(&self) -> bool {
        self.budget
            .one_pass(self.pairable.len().saturating_sub(self.given().len()))
    }

    /// The pair spec of a pass among `features`.
    fn spec(&self, features: &[String]) -> PairSpec {
        let spec = PairSpec::among(features);
        if self.given.is_some() {
            spec.with_buffer_bytes(PROBE_BUFFER_BYTES)
        } else {
            spec
        }
    }

    /// The triples of the third pass: each of the best T pairs by adjusted
    /// synergy extended by every other pair feature (empty: no third pass).
    fn triples(&self) -> Vec<[String; 3]> {
        let (Some(t), Some(found)) = (self.budget.triple_pairs, &self.interactions) else {
            return Vec::new();
        };
        let best: Vec<[String; 2]> = found
            .pairs
            .iter()
            .take(t)
            .map(|p| [p.features[0].clone(), p.features[1].clone()])
            .collect();
        triple_candidates(&best, &self.pair_features)
    }

    /// The next pass to count, or `None` when the plan is complete.
    pub fn next(&self) -> Option<Pass> {
        match self.stage {
            Stage::Rank => {
                let params = if self.one_pass() {
                    self.params.clone().pairs(self.spec(&self.pairable))
                } else {
                    self.params.clone()
                };
                Some(Pass {
                    params,
                    columns: None,
                })
            }
            Stage::Pairs => {
                let chosen = &self.pair_features;
                Some(Pass {
                    params: self
                        .params
                        .clone()
                        .features(chosen)
                        .pairs(self.spec(chosen)),
                    columns: Some(chosen.clone()),
                })
            }
            Stage::Triples => {
                let candidates = self.triples();
                let mut names: Vec<String> = Vec::new();
                for c in candidates.iter().flatten() {
                    if !names.contains(c) {
                        names.push(c.clone());
                    }
                }
                let spec = PairSpec::default().with_triples(candidates);
                Some(Pass {
                    params: self.params.clone().features(&names).pairs(spec),
                    columns: Some(names),
                })
            }
            Stage::Done => None,
        }
    }

    /// Takes the counts of the pass [`PairPlan::next`] asked for: `ranker`
    /// has seen every row with that pass's parameters.
    pub fn take(&mut self, ranker: Ranker) -> Result<()> {
        self.passes += 1;
        match self.stage {
            Stage::Rank => {
                let ranking = ranker.finish()?;
                if self.one_pass() {
                    self.pair_features = self.pairable.clone();
                    if self.given.is_some() {
                        self.state = Some(ranker.into_state());
                    } else {
                        self.interactions = Some(ranker.interactions()?);
                    }
                } else {
                    let given = self.given();
                    let mut chosen: Vec<String> = ranking
                        .features
                        .iter()
                        .map(|f| &f.feature)
                        .filter(|f| self.pairable.contains(f) && !given.contains(f))
                        .take(self.m)
                        .cloned()
                        .collect();
                    chosen.extend(given.iter().cloned());
                    self.pair_features = chosen;
                }
                self.ranking = Some(ranking);
                self.stage = if self.one_pass() {
                    self.after_pairs()
                } else {
                    Stage::Pairs
                };
            }
            Stage::Pairs => {
                if self.given.is_some() {
                    self.state = Some(ranker.into_state());
                } else {
                    self.interactions = Some(ranker.interactions()?);
                }
                self.stage = self.after_pairs();
            }
            Stage::Triples => {
                let found = ranker.interactions()?;
                if let Some(all) = self.interactions.as_mut() {
                    all.add_triples(found);
                }
                self.stage = Stage::Done;
            }
            Stage::Done => {
                return Err(Error::InvalidParameter {
                    name: "pass",
                    value: "one more".into(),
                    expected: "no pass after the plan is complete",
                })
            }
        }
        Ok(())
    }

    /// After the pairs: sorts the pair features best first (for the report
    /// and for the triples' name order) and decides on a triple pass.
    fn after_pairs(&mut self) -> Stage {
        if let Some(ranking) = &self.ranking {
            let rank_of = |f: &String| ranking.features.iter().position(|s| &s.feature == f);
            self.pair_features.sort_by_key(rank_of);
        }
        if self.given.is_some() || self.triples().is_empty() {
            Stage::Done
        } else {
            Stage::Triples
        }
    }

    /// A conditional plan's result, once every pass was taken, its values
    /// grouped into levels by `grouping` (`cardrank::Grouping::NONE`: every
    /// value its own level; a selection's default is
    /// `cardrank::Grouping::SELECT`).
    pub fn finish_probe(self, grouping: &Grouping) -> Result<ProbeRun> {
        let (Stage::Done, Some(ranking), Some(mut state), Some(given)) =
            (self.stage, self.ranking, self.state, self.given)
        else {
            return Err(Error::InvalidParameter {
                name: "pass",
                value: "fewer".into(),
                expected: "a conditional plan with every pass taken before finish_probe",
            });
        };
        let candidates = self.pair_features.len() - given.len();
        let note = format!(
            "candidates: the best {candidates} of {} features by relevance (max_features {}){}; pairs measured on demand",
            self.features_ranked,
            self.m,
            if given.is_empty() {
                String::new()
            } else {
                format!(", given {}", given.join(", "))
            }
        );
        let budget = BudgetUsed {
            features_ranked: self.features_ranked,
            max_features: self.budget.max_features,
            max_pairs: self.budget.max_pairs,
            pair_features: self.pair_features,
            pairs_tested: 0,
            triple_pairs: None,
            triples_tested: 0,
            passes: self.passes,
            note,
        };
        let grouped = state.regroup(grouping)?;
        Ok(ProbeRun {
            ranking,
            state,
            given,
            max_candidates: self.m,
            budget,
            grouping: *grouping,
            grouped,
        })
    }

    /// The result, once every pass was taken.
    pub fn finish(self) -> Result<PairRun> {
        let (Stage::Done, Some(ranking), Some(interactions)) =
            (self.stage, self.ranking, self.interactions)
        else {
            return Err(Error::InvalidParameter {
                name: "pass",
                value: "fewer".into(),
                expected: "every pass of the plan taken before finish",
            });
        };
        let (m, budget) = (self.m, &self.budget);
        let note = format!(
            "pairs among the best {} of {} features by relevance ({} pairs{}){}",
            self.pair_features.len(),
            self.features_ranked,
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
            features_ranked: self.features_ranked,
            max_features: budget.max_features,
            max_pairs: budget.max_pairs,
            pair_features: self.pair_features,
            pairs_tested: interactions.pairs_tested,
            triple_pairs: budget.triple_pairs,
            triples_tested: interactions.triples_tested,
            passes: self.passes,
            note,
        };
        Ok(PairRun {
            ranking,
            interactions,
            budget,
        })
    }
}

/// Ranks, then counts pairs (and triples) within `budget`: drives a
/// [`PairPlan`] in one process.
///
/// `pass(ranker, columns)` must stream the whole input into `ranker`: every
/// column when `columns` is `None`, else at least those (and the target).
pub fn run<E: From<Error>>(
    params: RankParams,
    features_ranked: usize,
    pairable: &[String],
    budget: &PairBudget,
    pass: impl FnMut(&mut Ranker, Option<&[String]>) -> std::result::Result<(), E>,
) -> std::result::Result<PairRun, E> {
    let plan = PairPlan::new(params, features_ranked, pairable, budget)?;
    Ok(drive(plan, pass)?.finish()?)
}

/// Drives every pass of `plan` in one process (see [`run`] for `pass`);
/// the caller finishes it.
pub fn drive<E: From<Error>>(
    mut plan: PairPlan,
    mut pass: impl FnMut(&mut Ranker, Option<&[String]>) -> std::result::Result<(), E>,
) -> std::result::Result<PairPlan, E> {
    while let Some(next) = plan.next() {
        let mut ranker = Ranker::new(next.params)?;
        pass(&mut ranker, next.columns.as_deref())?;
        plan.take(ranker)?;
    }
    Ok(plan)
}

/// Triples: each of `pairs` (the best by adjusted synergy, say) extended by
/// every other feature of `features`; each triple once, its names in the
/// order of `features`.
///
/// ```
/// let f = ["a", "b", "c", "d"].map(String::from);
/// let t = cardrank_run::plan::triple_candidates(&[["b".into(), "a".into()]], &f);
/// assert_eq!(t, [["a", "b", "c"], ["a", "b", "d"]].map(|t| t.map(String::from)));
/// ```
pub fn triple_candidates(pairs: &[[String; 2]], features: &[String]) -> Vec<[String; 3]> {
    let pos = |f: &String| features.iter().position(|g| g == f).unwrap_or(usize::MAX);
    let mut out: Vec<[String; 3]> = Vec::new();
    for p in pairs {
        for c in features {
            if p.contains(c) {
                continue;
            }
            let mut tri = [p[0].clone(), p[1].clone(), c.clone()];
            tri.sort_by_key(pos);
            if !out.contains(&tri) {
                out.push(tri);
            }
        }
    }
    out
}
