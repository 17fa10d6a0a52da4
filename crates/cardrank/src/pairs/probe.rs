//! Single pairs finished on demand, for a selection that needs only the
//! pairs of its candidates with the features already chosen.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::cond::Conditional;
use super::finish::{Finisher, JointGiven};
use super::strata::{both_orders, conditional_given, ByGiven, StrataWorker};
use crate::error::{Error, Result};
use crate::state::RankState;

/// Measures chosen pairs of a state built with [`crate::RankParams::pairs`]:
/// each call finishes one pair, from the buffered codes or, when the rows
/// overflowed the buffer, from the table counted for that pair. Nothing
/// else of the [`crate::PairSpec`] is finished, so a selection among M
/// candidates costs the pairs it asks for, not M(M-1)/2.
///
/// From buffered codes, the rows are grouped by the given feature once (a
/// counting sort, kept for the next calls with that feature) and each
/// candidate is counted stratum by stratum in that order: about one pass
/// over the rows per pair, no sort (see `pairs::strata`).
///
/// # Example
/// ```
/// use std::sync::Arc;
/// use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use cardrank::{PairProbe, PairSpec, RankParams, Ranker};
///
/// let col = |v: &[&str]| Arc::new(StringArray::from(v.repeat(8))) as ArrayRef;
/// let batch = RecordBatch::try_from_iter([
///     ("a", col(&["0", "0", "1", "1"])),
///     ("b", col(&["0", "1", "0", "1"])),
///     ("y", col(&["0", "1", "1", "0"])),
/// ]).unwrap();
/// let mut ranker = Ranker::new(RankParams::new("y").pairs(PairSpec::among(["a", "b"]))).unwrap();
/// ranker.update(&batch).unwrap();
/// let probe = PairProbe::new(ranker.state()).unwrap();
/// // y = a XOR b: b alone tells nothing, given a everything (ln 2).
/// let [b_given_a, _] = probe.conditional("b", "a").unwrap();
/// assert!((b_given_a.cmi - std::f64::consts::LN_2).abs() < 1e-12);
/// assert!(b_given_a.z.unwrap() > 3.0);
/// assert_eq!(probe.pairs_measured(), 1);
/// ```
pub struct PairProbe<'a> {
    finisher: Finisher<'a>,
    /// Involved-feature index by name.
    names: hashbrown::HashMap<&'a str, u32>,
    /// Tuple index of each counted pair, by its members (in counted order).
    tuples: hashbrown::HashMap<(u32, u32), usize>,
    measured: AtomicUsize,
    /// Every row is buffered (pairs are measured from rows grouped by the
    /// given feature).
    buffered: bool,
    /// The rows grouped by each given feature asked for lately.
    by_given: Mutex<hashbrown::HashMap<u32, Arc<ByGiven>>>,
    /// One set of buffers per worker thread.
    workers: Vec<Mutex<StrataWorker>>,
}

/// Most bytes of grouped rows kept by a [`PairProbe`] (past it the groups
/// are made afresh): 32 given features of 1M rows.
const BY_GIVEN_BYTES: usize = 256 << 20;

impl<'a> PairProbe<'a> {
    /// Prepares the state's features' margins (no pair is finished yet).
    pub fn new(state: &'a RankState) -> Result<PairProbe<'a>> {
        let finisher = Finisher::new(state)?;
        let pairs = finisher.pairs();
        let names = pairs
            .features()
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let tuples = pairs
            .tuple_indices()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.len() == 2)
            .map(|(i, t)| ((t[0], t[1]), i))
            .collect();
        let rows = pairs.buffered_rows();
        let buffered = pairs.tables_empty() && rows > 0 && rows < u32::MAX as usize;
        Ok(PairProbe {
            finisher,
            names,
            tuples,
            measured: AtomicUsize::new(0),
            buffered,
            by_given: Mutex::default(),
            workers: (0..rayon::current_num_threads().max(1))
                .map(|_| Mutex::default())
                .collect(),
        })
    }

    /// The features whose pairs can be measured (the pair spec's).
    pub fn features(&self) -> &'a [String] {
        self.finisher.pairs().features()
    }

    /// MI - EMI of a feature with the target, and its z-score.
    pub fn relevance(&self, feature: &str) -> Result<(f64, Option<f64>)> {
        Ok(self.finisher.relevance(self.index(feature)? as usize))
    }

    /// Where the pairs are finished from: `"buffered codes"` when every row
    /// is still buffered, else `"counted tables"`.
    pub fn source(&self) -> &'static str {
        if self.finisher.pairs().tables_empty() {
            "buffered codes"
        } else {
            "counted tables"
        }
    }

    /// Pair tables finished so far (the budget used).
    pub fn pairs_measured(&self) -> usize {
        self.measured.load(Ordering::Relaxed)
    }

    /// `[x given z, z given x]`: both orders of the conditional relevance of
    /// the pair, finished now (callable from several threads at once).
    pub fn conditional(&self, x: &str, z: &str) -> Result<[Conditional; 2]> {
        let (i, j) = (self.index(x)?, self.index(z)?);
        let t = self.tuple(x, z, i, j)?;
        self.measured.fetch_add(1, Ordering::Relaxed);
        if self.buffered {
            let both = self.with_worker(|w| both_orders(&self.finisher, i, j, w));
            return Ok(both.unwrap_or_else(|| [self.given(i, j), self.given(j, i)]));
        }
        self.finished(t)
    }

    /// `x given z` alone: [`PairProbe::conditional`]'s first order (the
    /// same values), finished now; a selection step asks it of every
    /// candidate `x` with the same `z`.
    pub fn conditional_given(&self, x: &str, z: &str) -> Result<Conditional> {
        let (i, j) = (self.index(x)?, self.index(z)?);
        let t = self.tuple(x, z, i, j)?;
        self.measured.fetch_add(1, Ordering::Relaxed);
        if self.buffered {
            return Ok(self.given(i, j));
        }
        self.finished(t).map(|[c, _]| c)
    }

    /// Involved feature `x` given `z`, from the rows grouped by `z`.
    fn given(&self, x: u32, z: u32) -> Conditional {
        let by = {
            let mut cache = self.by_given.lock().unwrap_or_else(|e| e.into_inner());
            match cache.get(&z) {
                Some(by) => Arc::clone(by),
                None => {
                    let by = Arc::new(ByGiven::new(&self.finisher, z));
                    let rows = self.finisher.pairs().buffered_rows();
                    let held: usize = cache.values().map(|b| b.bytes(rows)).sum();
                    if held + by.bytes(rows) > BY_GIVEN_BYTES {
                        cache.clear();
                    }
                    cache.insert(z, Arc::clone(&by));
                    by
                }
            }
        };
        self.with_worker(|w| conditional_given(&self.finisher, x, z, &by, w))
    }

    /// `f` with this thread's buffers.
    fn with_worker<T>(&self, f: impl FnOnce(&mut StrataWorker) -> T) -> T {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        match self.workers[slot].try_lock() {
            Ok(mut w) => f(&mut w),
            // Taken (a caller's thread outside the pool): fresh buffers.
            Err(_) => f(&mut StrataWorker::default()),
        }
    }

    /// The tuple index of the pair `(i, j)`, and whether it was counted as
    /// `(j, i)`.
    fn tuple(&self, x: &str, z: &str, i: u32, j: u32) -> Result<(usize, bool)> {
        Ok(match (self.tuples.get(&(i, j)), self.tuples.get(&(j, i))) {
            (Some(&t), _) => (t, false),
            (None, Some(&t)) => (t, true),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "pairs",
                    value: format!("({x}, {z})"),
                    expected: "a pair counted by the state's pair spec (two distinct features)",
                })
            }
        })
    }

    /// Both orders of tuple `t` from its whole table, in the tuple's order
    /// (with `swapped` as [`PairProbe::tuple`] found it).
    fn finished(&self, (t, swapped): (usize, bool)) -> Result<[Conditional; 2]> {
        let (.., conditional) = self.finisher.score(t);
        let [first, second] =
            conditional.ok_or_else(|| Error::InvalidState("not a pair".into()))?;
        Ok(if swapped {
            [second, first]
        } else {
            [first, second]
        })
    }

    /// The `given` features' observed combinations taken as one feature
    /// (named by the members joined with ` & `), when every row is still
    /// buffered and at most `budget` combinations occur; `Ok(None)`
    /// otherwise.
    pub fn joint_of<S: AsRef<str>>(
        &self,
        given: &[S],
        budget: usize,
    ) -> Result<Option<JointGiven>> {
        let gi: Vec<u32> = given
            .iter()
            .map(|g| self.index(g.as_ref()))
            .collect::<Result<_>>()?;
        let name = given
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<&str>>()
            .join(" & ");
        Ok(self.finisher.joint_feature(&gi, budget, name))
    }

    /// What `x` adds beyond the joint value of several features (see
    /// [`PairProbe::joint_of`]), finished now.
    pub fn conditional_on_joint(&self, x: &str, given: &JointGiven) -> Result<Conditional> {
        let xi = self.index(x)?;
        self.measured.fetch_add(1, Ordering::Relaxed);
        Ok(self.with_worker(|w| self.finisher.given_joint(xi, given, w)))
    }

    fn index(&self, name: &str) -> Result<u32> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| Error::UnknownColumn {
                column: name.to_string(),
                available: self.features().to_vec(),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};

    use crate::measures::testdata::lcg;
    use crate::{PairProbe, PairSpec, RankParams, Ranker};

    /// A candidate given a joint value, from the rows grouped by that value
    /// (counted straight or scattered, the memo kept between candidates),
    /// has the same bits as from the whole `(x, joint, y)` table.
    #[test]
    fn given_a_joint_value_as_from_its_whole_table() {
        let mut seed = 11;
        let n = 3_000;
        let cards = [("a", 3), ("b", 40), ("c", 400), ("d", 7)];
        let cols: Vec<Vec<u64>> = cards
            .iter()
            .map(|&(_, card)| (0..n).map(|_| lcg(&mut seed, card)).collect())
            .collect();
        for classes in [2, 3] {
            let y: Vec<String> = (0..n)
                .map(|r| ((cols[0][r] + cols[3][r] + lcg(&mut seed, 3) / 2) % classes).to_string())
                .collect();
            let mut fields: Vec<(&str, ArrayRef)> = cards
                .iter()
                .zip(&cols)
                .map(|(&(name, _), v)| {
                    let v: Vec<String> = v.iter().map(u64::to_string).collect();
                    (name, Arc::new(StringArray::from(v)) as ArrayRef)
                })
                .collect();
            fields.push(("y", Arc::new(StringArray::from(y))));
            let batch = RecordBatch::try_from_iter(fields).unwrap();
            let names: Vec<&str> = cards.iter().map(|c| c.0).collect();
            let spec = PairSpec::among(&names);
            let mut ranker = Ranker::new(RankParams::new("y").pairs(spec)).unwrap();
            ranker.update(&batch).unwrap();
            let probe = PairProbe::new(ranker.state()).unwrap();
            // Small joints (counted straight) and a large one (scattered).
            for given in [&["a", "d"][..], &["a", "b"], &["b", "c"], &["a", "b", "d"]] {
                let joint = probe.joint_of(given, n).unwrap().unwrap();
                for x in names.iter().filter(|x| !given.contains(x)) {
                    let want = probe
                        .finisher
                        .given_joint_from_table(probe.index(x).unwrap(), &joint);
                    let got = probe.conditional_on_joint(x, &joint).unwrap();
                    assert_eq!(got, want, "{x} given {given:?}, {classes} classes");
                    assert!(got.null_sd.is_some());
                }
            }
        }
    }
}
