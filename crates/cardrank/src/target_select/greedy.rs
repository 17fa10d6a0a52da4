//! The greedy loop of [`select_target`].

use std::sync::Mutex;

use rayon::prelude::*;

use super::params::{Method, TargetSelectParams, TargetSelection, TargetStep, JOINT_ROWS};
use crate::error::{Error, Result};
use crate::measures::log10_normal_sf;
use crate::pairs::{Conditional, PairProbe};
use crate::ranking::Ranking;
use crate::state::RankState;

/// One term of a candidate: its conditional relevance given a chosen
/// feature.
#[derive(Debug, Clone, Copy)]
struct Term {
    adjusted: f64,
    sd: Option<f64>,
    z: Option<f64>,
    determined: bool,
}

impl From<&Conditional> for Term {
    fn from(c: &Conditional) -> Term {
        Term {
            adjusted: c.adjusted,
            sd: c.null_sd,
            z: c.z,
            determined: c.determined,
        }
    }
}

struct Candidate {
    name: String,
    relevance: f64,
    relevance_z: Option<f64>,
    /// Terms against `chosen[0..terms.len()]`.
    terms: Vec<Term>,
    /// [`Method::Joint`]: the term given the joint value of
    /// `chosen[0..n]`, with that `n`.
    joint: Option<(usize, Term)>,
    taken: bool,
}

/// A criterion's value.
#[derive(Debug, Clone, Copy)]
struct Value {
    score: f64,
    z: Option<f64>,
    /// Index into the chosen list of the deciding term (CMIM).
    worst: Option<usize>,
    /// A function of a chosen feature: never taken.
    dead: bool,
    /// [`Method::Joint`]: the combinations conditioned on, when the score
    /// is the joint term.
    joint_levels: Option<usize>,
}

/// Greedy selection in target units over a state built with
/// [`crate::RankParams::pairs`] (the candidates and given features must be
/// among the pair spec's features). See the [module docs](super).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{select_target, Method, PairSpec, RankParams, Ranker, TargetSelectParams};
///
/// // y = a, except that b flips it in one row of four; `a_copy` relabels `a`.
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.repeat(50))) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["0", "0", "1", "1", "0", "0", "1", "1"])),
///     ("a_copy", col(&["x", "x", "y", "y", "x", "x", "y", "y"])),
///     ("b", col(&["0", "1", "0", "0", "0", "1", "0", "0"])),
///     ("y", col(&["0", "1", "1", "1", "0", "1", "1", "1"])),
/// ]).unwrap();
/// let spec = PairSpec::among(["a", "a_copy", "b"]);
/// let mut ranker = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
/// ranker.update(&batch).unwrap();
/// let chosen = select_target(ranker.state(), &TargetSelectParams::new(Method::Cmim)).unwrap();
/// let names: Vec<&str> = chosen.selected.iter().map(|s| s.feature.as_str()).collect();
/// assert_eq!(names, ["a", "b"]); // never the copy of `a`
/// assert_eq!(chosen.k_suggested, 2);
/// ```
pub fn select_target(state: &RankState, params: &TargetSelectParams) -> Result<TargetSelection> {
    params.check()?;
    let probe = PairProbe::new(state)?;
    let pool = probe.features();
    for g in &params.given {
        if !pool.contains(g) {
            return Err(Error::UnknownColumn {
                column: g.clone(),
                available: pool.to_vec(),
            });
        }
    }
    let ranking = Ranking::from_state(state, params.relevance)?;
    let mut cands: Vec<Candidate> = Vec::new();
    for f in &ranking.features {
        if cands.len() >= params.max_candidates {
            break;
        }
        let usable = f.cardinality >= 2 && f.entropy > 0.0;
        if usable && pool.contains(&f.feature) && !params.given.contains(&f.feature) {
            let (relevance, relevance_z) = probe.relevance(&f.feature)?;
            cands.push(Candidate {
                name: f.feature.clone(),
                relevance,
                relevance_z,
                terms: Vec::new(),
                joint: None,
                taken: false,
            });
        }
    }
    let mut run = Run {
        probe: &probe,
        params,
        chosen: params.given.clone(),
        cands,
        joint_budget: (ranking.rows / JOINT_ROWS) as usize,
        joint_levels: None,
    };
    let selected = run.steps()?;
    let k_suggested = selected.iter().take_while(|s| s.significant).count();
    Ok(TargetSelection {
        method: params.method.name().to_string(),
        candidates: run.cands.len(),
        given: params.given.clone(),
        k_suggested,
        pairs_measured: probe.pairs_measured(),
        source: probe.source().to_string(),
        selected,
    })
}

struct Run<'p, 'a> {
    probe: &'p PairProbe<'a>,
    params: &'p TargetSelectParams,
    /// Given features, then the features chosen so far.
    chosen: Vec<String>,
    cands: Vec<Candidate>,
    /// [`Method::Joint`]: most combinations of the chosen features
    /// conditioned on (0 once they outgrew it: they only grow).
    joint_budget: usize,
    /// [`Method::Joint`]: `(n, levels)` of the last joint value made, of
    /// `chosen[0..n]`.
    joint_levels: Option<(usize, usize)>,
}

impl Run<'_, '_> {
    fn steps(&mut self) -> Result<Vec<TargetStep>> {
        let limit = self.params.k.unwrap_or(usize::MAX);
        let mut steps: Vec<TargetStep> = Vec::new();
        let mut tried_pairs = false;
        while steps.len() < limit {
            let Some((best, value)) = self.best()? else {
                break;
            };
            let significant = self.significant(value.score, value.z);
            if !significant && !tried_pairs && self.params.pair_pool > 0 && limit - steps.len() >= 2
            {
                // Tried once: later steps only see a smaller pool.
                tried_pairs = true;
                if let Some((first, second, term)) = self.pair_step()? {
                    self.update(&[first])?;
                    let v = self.value(first);
                    let partner = self.cands[second].name.clone();
                    self.take(first, v, true, Some(partner), &mut steps);
                    let v = Value {
                        score: term.adjusted,
                        z: term.z,
                        worst: None,
                        dead: false,
                        joint_levels: None,
                    };
                    let partner = self.cands[first].name.clone();
                    self.take(second, v, true, Some(partner), &mut steps);
                    continue;
                }
            }
            if !significant && self.params.k.is_none() {
                break;
            }
            self.take(best, value, significant, None, &mut steps);
        }
        Ok(steps)
    }

    fn significant(&self, score: f64, z: Option<f64>) -> bool {
        score > 0.0 && z.is_some_and(|z| z >= self.params.min_z)
    }

    fn take(
        &mut self,
        i: usize,
        v: Value,
        significant: bool,
        partner: Option<String>,
        steps: &mut Vec<TargetStep>,
    ) {
        let c = &mut self.cands[i];
        c.taken = true;
        steps.push(TargetStep {
            step: steps.len() + 1,
            feature: c.name.clone(),
            relevance: c.relevance,
            score: v.score,
            z: v.z,
            significant,
            worst: v.worst.map(|w| self.chosen[w].clone()),
            partner,
            joint_levels: v.joint_levels,
        });
        self.chosen.push(c.name.clone());
    }

    /// The criterion of candidate `i` over its terms so far.
    fn value(&self, i: usize) -> Value {
        let c = &self.cands[i];
        let terms = &c.terms;
        // A function of chosen features stays one as more are chosen, also
        // once the joint is past its budget.
        let dead = terms.iter().any(|t| t.determined) || c.joint.is_some_and(|(_, t)| t.determined);
        if let Some((n, t)) = c.joint {
            if n == self.chosen.len() {
                return Value {
                    score: t.adjusted,
                    z: t.z,
                    worst: None,
                    dead,
                    joint_levels: self
                        .joint_levels
                        .and_then(|(m, levels)| (m == n).then_some(levels)),
                };
            }
        }
        if terms.is_empty() {
            return Value {
                score: c.relevance,
                z: c.relevance_z,
                worst: None,
                dead,
                joint_levels: None,
            };
        }
        let m = terms.len() as f64;
        let mean_sd = terms
            .iter()
            .map(|t| t.sd)
            .sum::<Option<f64>>()
            .map(|s| s / m);
        let over_sd = |score: f64| mean_sd.and_then(|s| (s > 0.0).then(|| score / s));
        let (score, z, worst) = match self.params.method {
            Method::Cmim => {
                let (w, t) = terms
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.adjusted.total_cmp(&b.1.adjusted))
                    .map(|(w, t)| (w, *t))
                    .unwrap_or((0, terms[0]));
                (t.adjusted, t.z, Some(w))
            }
            Method::Jmi | Method::Joint => {
                let mean = terms.iter().map(|t| t.adjusted).sum::<f64>() / m;
                (mean, over_sd(mean), None)
            }
            Method::Mrmr | Method::ThreeMr => {
                let red = |t: &Term| c.relevance - t.adjusted;
                let redundancy = terms.iter().map(|t| red(t).max(0.0)).sum::<f64>() / m;
                let synergy = terms.iter().map(|t| (-red(t)).max(0.0)).sum::<f64>() / m;
                let beta = if self.params.method == Method::ThreeMr {
                    self.params.beta
                } else {
                    0.0
                };
                let score = c.relevance - self.params.alpha * redundancy + beta * synergy;
                (score, over_sd(score), None)
            }
        };
        Value {
            score,
            z,
            worst,
            dead,
            joint_levels: None,
        }
    }

    /// Brings candidates `which` up to date against every chosen feature
    /// (in parallel; each pair finished once).
    fn update(&mut self, which: &[usize]) -> Result<()> {
        let chosen = &self.chosen;
        let probe = self.probe;
        let jobs: Vec<(usize, usize)> = which
            .iter()
            .flat_map(|&i| (self.cands[i].terms.len()..chosen.len()).map(move |s| (i, s)))
            .collect();
        let cands = &self.cands;
        let found: Vec<Result<Term>> = jobs
            .par_iter()
            .map(|&(i, s)| {
                let c = probe.conditional_given(&cands[i].name, &chosen[s])?;
                Ok(Term::from(&c))
            })
            .collect();
        for (&(i, s), t) in jobs.iter().zip(found) {
            debug_assert_eq!(self.cands[i].terms.len(), s);
            self.cands[i].terms.push(t?);
        }
        Ok(())
    }

    /// [`Method::Joint`]: the terms of candidates `which` given the joint
    /// value of every chosen feature, if its combinations fit the budget
    /// (else `false`, and the budget is spent for good).
    fn update_joint(&mut self, which: &[usize]) -> Result<bool> {
        if self.joint_budget == 0 {
            return Ok(false);
        }
        let Some(joint) = self.probe.joint_of(&self.chosen, self.joint_budget)? else {
            self.joint_budget = 0;
            return Ok(false);
        };
        let (probe, cands) = (self.probe, &self.cands);
        let found: Vec<Result<Term>> = which
            .par_iter()
            .map(|&i| {
                Ok(Term::from(
                    &probe.conditional_on_joint(&cands[i].name, &joint)?,
                ))
            })
            .collect();
        let n = self.chosen.len();
        self.joint_levels = Some((n, joint.levels()));
        for (&i, t) in which.iter().zip(found) {
            self.cands[i].joint = Some((n, t?));
        }
        Ok(true)
    }

    /// The best live candidate and its criterion (ties: the earlier in
    /// relevance order).
    fn best(&mut self) -> Result<Option<(usize, Value)>> {
        let live: Vec<usize> = (0..self.cands.len())
            .filter(|&i| !self.cands[i].taken)
            .collect();
        // Given one feature, the joint term is the pairwise one.
        if self.params.method == Method::Joint
            && self.chosen.len() >= 2
            && self.update_joint(&live)?
        {
            return Ok(self.argmax(&live));
        }
        if self.params.method != Method::Cmim || self.chosen.is_empty() {
            self.update(&live)?;
            return Ok(self.argmax(&live));
        }
        // Lazy CMIM: a stale candidate's minimum so far bounds its value.
        let batch = rayon::current_num_threads().max(1);
        loop {
            let mut order: Vec<(usize, f64)> = live
                .iter()
                .filter_map(|&i| {
                    let v = self.value(i);
                    let stale = self.cands[i].terms.len() < self.chosen.len();
                    let bound = if stale && self.cands[i].terms.is_empty() {
                        f64::INFINITY
                    } else {
                        v.score
                    };
                    (!v.dead).then_some((i, bound))
                })
                .collect();
            order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let Some(&(top, _)) = order.first() else {
                return Ok(None);
            };
            let stale = |i: usize| self.cands[i].terms.len() < self.chosen.len();
            if !stale(top) {
                let v = self.value(top);
                if self.significant(v.score, v.z) {
                    return Ok(Some((top, v)));
                }
                // The largest minimum is not significant: a smaller one
                // may be. Bring every candidate up to date.
                self.update(&live)?;
                return Ok(self.argmax(&live));
            }
            // The stale candidates ahead of the best up-to-date one.
            let ahead: Vec<usize> = order
                .iter()
                .take_while(|&&(i, _)| stale(i))
                .take(batch)
                .map(|&(i, _)| i)
                .collect();
            self.update(&ahead)?;
        }
    }

    /// The best significant candidate, else the best of all (ties: the
    /// earlier). A many-valued noise column's criterion varies most, so it
    /// can top the scores by chance while a smaller, significant one
    /// waits behind it.
    fn argmax(&self, live: &[usize]) -> Option<(usize, Value)> {
        let mut best: Option<(usize, Value, bool)> = None;
        for &i in live {
            let v = self.value(i);
            if v.dead {
                continue;
            }
            let sig = self.significant(v.score, v.z);
            let better = match best {
                None => true,
                Some((_, b, b_sig)) => (sig && !b_sig) || (sig == b_sig && v.score > b.score),
            };
            if better {
                best = Some((i, v, sig));
            }
        }
        best.map(|(i, v, _)| (i, v))
    }

    /// The pair step (see the module docs): `(first, second, second given
    /// first)`.
    fn pair_step(&mut self) -> Result<Option<(usize, usize, Term)>> {
        let pool: Vec<usize> = (0..self.cands.len())
            .filter(|&i| !self.cands[i].taken && !self.value(i).dead)
            .take(self.params.pair_pool)
            .collect();
        let jobs: Vec<(usize, usize)> = pool
            .iter()
            .enumerate()
            .flat_map(|(p, &i)| pool[p + 1..].iter().map(move |&j| (i, j)))
            .collect();
        let probe = self.probe;
        let cands = &self.cands;
        // Both orders of every pair are tried: the bar is raised for them.
        let bar = corrected_z(self.params.min_z, 2 * jobs.len());
        let best: Mutex<Option<(f64, usize, usize, Term)>> = Mutex::new(None);
        let measured: Vec<Result<()>> = jobs
            .par_iter()
            .map(|&(i, j)| {
                let [i_given_j, j_given_i] = probe.conditional(&cands[i].name, &cands[j].name)?;
                for (first, second, c) in [(i, j, &j_given_i), (j, i, &i_given_j)] {
                    if let Some(gain) = pair_gain(c, cands[second].relevance, bar) {
                        let mut b = best.lock().unwrap_or_else(|e| e.into_inner());
                        let better = match *b {
                            None => true,
                            Some((g, f, s, _)) => {
                                gain > g || (gain == g && (first, second) < (f, s))
                            }
                        };
                        if better {
                            *b = Some((gain, first, second, Term::from(c)));
                        }
                    }
                }
                Ok(())
            })
            .collect();
        measured.into_iter().collect::<Result<Vec<()>>>()?;
        let best = best.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(best.map(|(_, f, s, t)| (f, s, t)))
    }
}

/// What the second of a pair adds given the first (`c`, the second given
/// the first) beyond what it tells alone (`relevance`), when that is
/// positive and at least `bar` null sds of the conditional: a strong
/// feature beside a noise column is no pair. A conditional with no null
/// spread (every stratum's MI the same under every permutation, as a
/// column of one row per value given anything) is no evidence: its
/// adjusted value is zero up to rounding.
fn pair_gain(c: &Conditional, relevance: f64, bar: f64) -> Option<f64> {
    let gain = c.adjusted - relevance.max(0.0);
    let spread = c.null_sd.filter(|&sd| sd > 0.0)?;
    (c.adjusted > 0.0 && gain > 0.0 && gain >= bar * spread && !c.determined).then_some(gain)
}

/// The z-score whose one-sided p-value is that of `min_z` divided by
/// `tests` (Bonferroni): the pair step's bar, so that trying every pair of
/// the pool does not find a pair of noise columns by chance.
pub(super) fn corrected_z(min_z: f64, tests: usize) -> f64 {
    if tests <= 1 || !min_z.is_finite() {
        return min_z;
    }
    let goal = log10_normal_sf(min_z) - (tests as f64).log10();
    // The tail falls monotonically: bisect on [min_z, min_z + 40].
    let (mut lo, mut hi) = (min_z, min_z + 40.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if log10_normal_sf(mid) > goal {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::{corrected_z, pair_gain};
    use crate::pairs::Conditional;

    fn given(adjusted: f64, null_sd: Option<f64>) -> Conditional {
        Conditional {
            feature: "x".into(),
            given: "z".into(),
            cmi: adjusted + 0.01,
            expected: 0.01,
            adjusted,
            null_sd,
            z: null_sd.filter(|&s| s > 0.0).map(|s| adjusted / s),
            determined: false,
        }
    }

    /// A pair is taken on a gain of `bar` null sds past the second's own
    /// relevance, never on a conditional without null spread (a rounding
    /// residue, as a one-row-per-value column given anything).
    #[test]
    fn a_pair_needs_a_gain_in_null_sds() {
        let bar = 4.0;
        assert!((pair_gain(&given(0.05, Some(0.01)), 0.005, bar).unwrap() - 0.045).abs() < 1e-15);
        assert_eq!(pair_gain(&given(0.05, Some(0.02)), 0.005, bar), None);
        assert_eq!(pair_gain(&given(0.05, Some(0.01)), 0.02, bar), None);
        // Negative relevance counts as none.
        assert_eq!(pair_gain(&given(0.05, Some(0.01)), -0.3, bar), Some(0.05));
        assert_eq!(pair_gain(&given(1e-17, Some(0.0)), -0.0004, bar), None);
        assert_eq!(pair_gain(&given(0.05, None), 0.0, bar), None);
        let mut determined = given(0.05, Some(0.001));
        determined.determined = true;
        assert_eq!(pair_gain(&determined, 0.0, bar), None);
    }

    #[test]
    fn the_pair_bar_is_bonferroni() {
        assert_eq!(corrected_z(3.0, 1), 3.0);
        // p(3) = 1.35e-3; / 240 = 5.6e-6, whose z is 4.39.
        assert!((corrected_z(3.0, 240) - 4.3917).abs() < 1e-3);
        // p(2) = 0.02275; / 10 = 2.275e-3, whose z is 2.837.
        assert!((corrected_z(2.0, 10) - 2.837).abs() < 2e-3);
        assert_eq!(corrected_z(f64::NEG_INFINITY, 50), f64::NEG_INFINITY);
    }
}
