//! Greedy mRMR / 3MR feature selection on chance-adjusted measures.
//!
//! Start with the most relevant feature, then repeatedly add
//! `argmax_f rel(f) - alpha * agg_s red(s, f) + beta * agg_s syn(s, f)`
//! over the selected `s`, where `rel` is MI - EMI with the target, `red` the
//! pair redundancy MI(s; f) - EMI(s; f), `syn` the adjusted synergy of the
//! pair, and `agg` the mean, max or median. `beta = 0` is mRMR; `beta > 0`
//! is 3MR.
//!
//! **Pair steps** (3MR only). Features that are informative only together
//! (an XOR pair) have no synergy with anything selected until one of them
//! is, so a one-step greedy never starts them. With `pair_steps` on, each
//! round also scores adding two features `f` then `g` as the mean of their
//! two step scores (the second step counts `red(f, g)` and `syn(f, g)`), and
//! takes the pair when that beats the best single step. Both members are
//! listed with `partner` set.
//!
//! **Below chance.** A feature whose relevance is clearly below chance
//! (z-score under -3 against the permutation null, binary targets: an
//! ID-like column, whose MI falls short of the MI of a random feature with
//! its value counts) is taken alone only once every other feature is taken,
//! and in a pair step only when the pair's joint MI - EMI exceeds its better
//! member's. Otherwise a late round, where every relevant candidate is
//! redundant with the selection, could prefer such a column, which has
//! little redundancy with anything.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pairs::Interactions;

/// How the redundancy and synergy terms over the selected set are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The mean over the selected features (classic mRMR).
    #[default]
    Mean,
    /// The largest value.
    Max,
    /// The median.
    Median,
}

impl std::str::FromStr for Aggregate {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mean" => Ok(Aggregate::Mean),
            "max" => Ok(Aggregate::Max),
            "median" => Ok(Aggregate::Median),
            _ => Err(Error::InvalidParameter {
                name: "aggregate",
                value: s.to_string(),
                expected: "one of mean, max, median",
            }),
        }
    }
}

impl Aggregate {
    /// The name as the CLI and JSON spell it.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Mean => "mean",
            Aggregate::Max => "max",
            Aggregate::Median => "median",
        }
    }
}

/// Parameters of [`select`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectParams {
    /// Features to select (at most the candidates).
    pub k: usize,
    /// Weight of redundancy (>= 0).
    pub alpha: f64,
    /// Weight of synergy (>= 0; 0 is mRMR).
    pub beta: f64,
    /// How terms over the selected set combine.
    pub aggregate: Aggregate,
    /// Consider adding two features at once (3MR only; see the module docs).
    pub pair_steps: bool,
}

impl SelectParams {
    /// 3MR with `alpha = beta = 1`, the mean, and pair steps.
    pub fn new(k: usize) -> Self {
        SelectParams {
            k,
            alpha: 1.0,
            beta: 1.0,
            aggregate: Aggregate::Mean,
            pair_steps: true,
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |name, v: f64| Error::InvalidParameter {
            name,
            value: v.to_string(),
            expected: "a finite number >= 0",
        };
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(bad("alpha", self.alpha));
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(bad("beta", self.beta));
        }
        if self.k == 0 {
            return Err(Error::InvalidParameter {
                name: "k",
                value: "0".into(),
                expected: "a positive number of features",
            });
        }
        Ok(())
    }
}

/// One step of a selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectStep {
    /// 1 is the first feature taken.
    pub step: usize,
    /// The feature.
    pub feature: String,
    /// Its relevance, MI - EMI with the target.
    pub relevance: f64,
    /// The aggregate redundancy with the features selected before it.
    pub redundancy: f64,
    /// The aggregate adjusted synergy with the features selected before it.
    pub synergy: f64,
    /// `relevance - alpha * redundancy + beta * synergy`.
    pub score: f64,
    /// Set when the feature was taken together with this one in a pair step.
    pub partner: Option<String>,
}

/// An ordered selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// `mrmr` (beta = 0) or `3mr`.
    pub method: String,
    /// Redundancy weight.
    pub alpha: f64,
    /// Synergy weight.
    pub beta: f64,
    /// The aggregate's name.
    pub aggregate: String,
    /// Features considered (those with pair tables).
    pub candidates: usize,
    /// The features, in the order taken.
    pub selected: Vec<SelectStep>,
}

/// z-score below which a feature counts as below chance (see the module
/// docs).
const BELOW_CHANCE_Z: f64 = -3.0;

/// Values of one candidate against the selected set, kept sorted.
#[derive(Default, Clone)]
struct Terms {
    sorted: Vec<f64>,
    sum: f64,
}

impl Terms {
    fn insert(&mut self, x: f64) {
        let at = self.sorted.partition_point(|&v| v < x);
        self.sorted.insert(at, x);
        self.sum += x;
    }

    /// The aggregate, with `extra` counted as one more value.
    fn value(&self, how: Aggregate, extra: Option<f64>) -> f64 {
        let m = self.sorted.len() + usize::from(extra.is_some());
        if m == 0 {
            return 0.0;
        }
        match how {
            Aggregate::Mean => (self.sum + extra.unwrap_or(0.0)) / m as f64,
            Aggregate::Max => {
                let top = self.sorted.last().copied().unwrap_or(f64::NEG_INFINITY);
                extra.map_or(top, |x| top.max(x))
            }
            Aggregate::Median => {
                let pos = extra.map(|x| self.sorted.partition_point(|&v| v < x));
                let at = |i: usize| match pos {
                    Some(p) if i == p => extra.unwrap_or(0.0),
                    Some(p) if i > p => self.sorted[i - 1],
                    _ => self.sorted[i],
                };
                if m % 2 == 1 {
                    at(m / 2)
                } else {
                    0.5 * (at(m / 2 - 1) + at(m / 2))
                }
            }
        }
    }
}

/// Greedy mRMR / 3MR over the features of `interactions` (every pair among
/// them must have been counted).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{select, PairSpec, RankParams, Ranker, SelectParams};
///
/// // Each pattern twice (16 rows), so that `b` is above chance too.
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.repeat(2))) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["0", "0", "1", "1", "0", "0", "1", "1"])),
///     ("a_copy", col(&["x", "x", "y", "y", "x", "x", "y", "y"])),
///     ("b", col(&["0", "1", "0", "0", "0", "1", "0", "0"])),
///     ("y", col(&["0", "1", "1", "1", "0", "1", "1", "1"])),
/// ]).unwrap();
/// let spec = PairSpec::among(["a", "a_copy", "b"]);
/// let mut ranker = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
/// ranker.update(&batch).unwrap();
/// let chosen = select(&ranker.interactions().unwrap(), &SelectParams::new(2)).unwrap();
/// let names: Vec<&str> = chosen.selected.iter().map(|s| s.feature.as_str()).collect();
/// assert_eq!(names, ["a", "b"]); // never the copy of `a` next to `a`
/// ```
pub fn select(interactions: &Interactions, params: &SelectParams) -> Result<Selection> {
    params.check()?;
    let names = &interactions.features;
    let n = names.len();
    let rel = &interactions.relevance;
    if rel.len() != n {
        return Err(Error::InvalidParameter {
            name: "interactions",
            value: format!("{} relevances for {n} features", rel.len()),
            expected: "one relevance per feature",
        });
    }
    let index = |f: &str| names.iter().position(|m| m == f);
    let mut red = vec![vec![0.0; n]; n];
    let mut syn = vec![vec![0.0; n]; n];
    let mut have = vec![vec![false; n]; n];
    let mut joint = vec![vec![f64::NEG_INFINITY; n]; n];
    for r in &interactions.redundancy {
        if let (Some(i), Some(j)) = (index(&r.features[0]), index(&r.features[1])) {
            red[i][j] = r.score;
            red[j][i] = r.score;
        }
    }
    for p in &interactions.pairs {
        if let (Some(i), Some(j)) = (index(&p.features[0]), index(&p.features[1])) {
            syn[i][j] = p.adjusted_synergy;
            syn[j][i] = p.adjusted_synergy;
            joint[i][j] = p.joint_adjusted;
            joint[j][i] = p.joint_adjusted;
            have[i][j] = true;
            have[j][i] = true;
        }
    }
    if let Some((i, j)) = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .find(|&(i, j)| !have[i][j])
    {
        return Err(Error::InvalidParameter {
            name: "interactions",
            value: format!("no counts for the pair ({}, {})", names[i], names[j]),
            expected: "every pair among the candidate features",
        });
    }
    let (alpha, beta, how) = (params.alpha, params.beta, params.aggregate);
    let mut red_terms = vec![Terms::default(); n];
    let mut syn_terms = vec![Terms::default(); n];
    let mut taken = vec![false; n];
    let mut steps: Vec<SelectStep> = Vec::new();
    let step_of = |f: usize, extra: Option<usize>, rt: &[Terms], st: &[Terms]| {
        let r = rt[f].value(how, extra.map(|e| red[e][f]));
        let s = st[f].value(how, extra.map(|e| syn[e][f]));
        (r, s, rel[f] - alpha * r + beta * s)
    };
    // Better: higher score, ties by name.
    let better = |a: (f64, &str), b: (f64, &str)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    let k = params.k.min(n);
    // A feature clearly below chance (z < BELOW_CHANCE_Z, such as an
    // ID-like column) is taken alone only when no other is left, and in a
    // pair step only when the pair tells more beyond chance than its better
    // member (an XOR half can join its partner; an ID cannot ride on a good
    // feature).
    let z = &interactions.relevance_z;
    let relevant = |f: usize| {
        z.get(f)
            .copied()
            .flatten()
            .is_none_or(|z| z >= BELOW_CHANCE_Z)
    };
    let pair_ok = |f: usize, g: usize| {
        (relevant(f) && relevant(g)) || joint[f][g] > rel[f].max(rel[g]).max(0.0)
    };
    while steps.len() < k {
        let any_relevant = (0..n).any(|f| !taken[f] && relevant(f));
        let open = |f: usize| !taken[f] && (relevant(f) || !any_relevant);
        let mut best: Option<(f64, usize)> = None;
        for f in (0..n).filter(|&f| open(f)) {
            let (_, _, s) = step_of(f, None, &red_terms, &syn_terms);
            if best.is_none_or(|(bs, bf)| better((s, &names[f]), (bs, &names[bf]))) {
                best = Some((s, f));
            }
        }
        let Some((single, first)) = best else { break };
        let mut pick = vec![first];
        if params.pair_steps && beta > 0.0 && !steps.is_empty() && steps.len() + 2 <= k {
            let mut best_pair: Option<(f64, usize, usize)> = None;
            for f in (0..n).filter(|&f| !taken[f]) {
                let (_, _, sf) = step_of(f, None, &red_terms, &syn_terms);
                for g in (0..n).filter(|&g| !taken[g] && g != f && pair_ok(f, g)) {
                    let (_, _, sg) = step_of(g, Some(f), &red_terms, &syn_terms);
                    let mean = 0.5 * (sf + sg);
                    if best_pair.is_none_or(|(bs, ..)| mean > bs) {
                        best_pair = Some((mean, f, g));
                    }
                }
            }
            if let Some((mean, f, g)) = best_pair {
                if mean > single {
                    pick = vec![f, g];
                }
            }
        }
        let pair = pick.len() == 2;
        for (i, &f) in pick.iter().enumerate() {
            let (r, s, score) = step_of(f, None, &red_terms, &syn_terms);
            taken[f] = true;
            steps.push(SelectStep {
                step: steps.len() + 1,
                feature: names[f].clone(),
                relevance: rel[f],
                redundancy: r,
                synergy: s,
                score,
                partner: pair.then(|| names[pick[1 - i]].clone()),
            });
            for g in 0..n {
                if !taken[g] {
                    red_terms[g].insert(red[f][g]);
                    syn_terms[g].insert(syn[f][g]);
                }
            }
        }
    }
    Ok(Selection {
        method: if beta > 0.0 { "3mr" } else { "mrmr" }.to_string(),
        alpha,
        beta,
        aggregate: how.name().to_string(),
        candidates: n,
        selected: steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_with_an_extra_value() {
        let mut t = Terms::default();
        for x in [3.0, 1.0, 2.0] {
            t.insert(x);
        }
        assert_eq!(t.value(Aggregate::Mean, None), 2.0);
        assert_eq!(t.value(Aggregate::Mean, Some(6.0)), 3.0);
        assert_eq!(t.value(Aggregate::Max, Some(0.0)), 3.0);
        assert_eq!(t.value(Aggregate::Median, None), 2.0);
        assert_eq!(t.value(Aggregate::Median, Some(10.0)), 2.5);
        assert_eq!(t.value(Aggregate::Median, Some(0.0)), 1.5);
        assert_eq!(Terms::default().value(Aggregate::Median, None), 0.0);
        assert_eq!(Terms::default().value(Aggregate::Max, Some(4.0)), 4.0);
    }
}
