//! The streaming ranker: Arrow batches or files in, a ranking out.
//!
//! Every call extracts its inputs with the GIL held, then does the work with
//! the GIL released (`Python::detach`), one batch at a time; between batches
//! it re-attaches and checks for signals, so Ctrl-C interrupts a long ranking
//! with `KeyboardInterrupt` (the batches already added stay counted).
//! Files are read by the run layer (`cardrank_run::read_into`: parallel
//! byte ranges or one reader), also without the GIL.
//!
//! **Threads.** Calls on one ranker are serialised: each takes the ranker's
//! lock for its whole duration, so rankers can be shared between Python
//! threads (four threads calling `update` on one ranker count every row
//! once, one call after the other). A call waits for the lock with the GIL
//! released, and takes it only with `try_lock` while holding the GIL, so a
//! thread holding the lock can always get the GIL back: no deadlock. Merging
//! two rankers takes both locks in address order (`a.merge(b)` and
//! `b.merge(a)` at once cannot each hold one); `r.merge(r)` doubles every
//! count of `r`.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, TryLockError};

use arrow_array::RecordBatch;
use cardrank::{RankState, Ranker};
use cardrank_run::{Group, ReadArgs, GROUP_BYTES};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::input::checked;
use crate::options::Options;
use crate::pairs::GROUP_ROWS;
use crate::ranking::PyRanking;
use crate::signals::Signals;

/// Accumulates the joint counts of every feature with the target, batch by
/// batch; mergeable and serialisable. Files are read with the ranker's read
/// options (`delimiter`, `format`, `numeric`, ...). Safe to share between
/// threads: calls on one ranker run one at a time.
#[pyclass(module = "cardrank._core", name = "Ranker", frozen)]
pub struct PyRanker {
    inner: Mutex<Ranker>,
    read: ReadArgs,
}

impl PyRanker {
    fn new_locked(ranker: Ranker, read: ReadArgs) -> Self {
        PyRanker {
            inner: Mutex::new(ranker),
            read,
        }
    }

    /// The ranker, locked for the caller: taken with `try_lock` while the
    /// GIL is held (never blocking with it), else waited for without the GIL
    /// and tried again.
    fn lock(&self, py: Python<'_>) -> Result<MutexGuard<'_, Ranker>, Failure> {
        loop {
            match self.inner.try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::WouldBlock) => py.detach(|| drop(self.inner.lock())),
                Err(TryLockError::Poisoned(_)) => {
                    return Err(Failure::Named(
                        "CardrankError",
                        "this ranker cannot be used any more: an earlier call on it failed inside Rust (a panic); its counts may be incomplete".into(),
                    ))
                }
            }
        }
    }
}

/// Feeds batches into `ranker` without the GIL, checking for signals between
/// groups of batches (a [`Group`] closed at `GROUP_ROWS` rows).
pub(crate) fn feed<I, E>(py: Python<'_>, ranker: &mut Ranker, mut batches: I) -> Result<(), Failure>
where
    I: Iterator<Item = Result<RecordBatch, E>> + Send,
    E: Into<Failure> + Send,
{
    loop {
        // A group of batches at a time, coded column by column through all
        // of them (`Ranker::update_all`), closed by the run layer's rule at
        // GROUP_ROWS rows or its bytes (a stream's batches are held until
        // their group is ranked). A source that fails partway (or a Ctrl-C
        // landing in a Python batch source) still counts the batches it
        // gave before.
        let more = py.detach(|| -> Result<bool, Failure> {
            let mut group = Group::new(GROUP_ROWS, GROUP_BYTES);
            let mut failed = None;
            while !group.is_full() {
                match batches.next() {
                    None => break,
                    Some(Ok(batch)) => group.push(batch),
                    Some(Err(e)) => {
                        failed = Some(e.into());
                        break;
                    }
                }
            }
            ranker.update_all(group.batches())?;
            match failed {
                Some(e) => Err(e),
                None => Ok(!group.batches().is_empty()),
            }
        })?;
        if !more {
            return Ok(());
        }
        py.check_signals()?;
    }
}

#[pymethods]
impl PyRanker {
    /// A ranker for `target`; see `cardrank.Ranker` for the options.
    #[new]
    #[pyo3(signature = (target, **options))]
    fn new(target: String, options: Option<&Bound<'_, PyDict>>) -> Result<Self, Failure> {
        let o = Options::from_kwargs(options)?;
        Ok(PyRanker::new_locked(
            Ranker::new(o.params(target)?)?,
            o.read_args(),
        ))
    }

    /// A ranker continuing from `to_bytes()` output; the target and the
    /// missing tokens come from the bytes (an explicit `missing` must match).
    #[staticmethod]
    #[pyo3(signature = (data, **options))]
    fn from_bytes(
        py: Python<'_>,
        data: &[u8],
        options: Option<&Bound<'_, PyDict>>,
    ) -> Result<Self, Failure> {
        let mut o = Options::from_kwargs(options)?;
        let state = py.detach(|| RankState::from_bytes(data))?;
        // The missing tokens travel in the bytes; an explicit value must match.
        o.missing = o.missing.or_else(|| Some(state.missing_tokens()));
        let p = o.params(state.target().to_string())?;
        Ok(PyRanker::new_locked(
            Ranker::from_state(p, state)?,
            o.read_args(),
        ))
    }

    /// A ranker with the parameters of a pair plan's pass (their JSON, from
    /// `PairPlan.next`), for one partition of that pass.
    #[staticmethod]
    fn for_pass(params: &str) -> Result<Self, Failure> {
        let p: cardrank::RankParams = serde_json::from_str(params)
            .map_err(|e| Failure::Usage(format!("not the parameters of a pass: {e}")))?;
        Ok(PyRanker::new_locked(Ranker::new(p)?, ReadArgs::default()))
    }

    /// Adds the rows of an Arrow object (anything with `__arrow_c_stream__`
    /// or `__arrow_c_array__`), batch by batch, without copying columns.
    /// Each batch is checked first (see [`crate::input`]).
    fn update(&self, py: Python<'_>, data: AnyRecordBatch) -> Result<(), Failure> {
        let mut ranker = self.lock(py)?;
        let reader = checked(data.into_reader()?, ranker.threads())?;
        feed(py, &mut ranker, reader)
    }

    /// Adds the rows of a file read in Rust with the ranker's read options:
    /// CSV/TSV (plain, gzip or zstd), Parquet, Arrow IPC or Vowpal Wabbit,
    /// recognised by content; a glob pattern reads every matching file. Only
    /// the target and the wanted features are read; one plain CSV/TSV file
    /// is read in parallel byte ranges (Ctrl-C then counts nothing of it).
    fn update_path(&self, py: Python<'_>, path: PathBuf) -> Result<(), Failure> {
        let mut guard = self.lock(py)?;
        let ranker = &mut *guard;
        let p = ranker.params();
        let target = p.target.clone();
        let missing = p.missing.clone();
        // The ranker leaves `exclude` out (and checks those columns exist);
        // the reader must still deliver them.
        let (read, transforms) = self
            .read
            .reader(&target, &missing, p.features.clone(), Vec::new())
            .map_err(|e| Failure::from_io(e, &target))?;
        let signals = Signals::default();
        py.detach(|| cardrank_run::read_into(ranker, &[path], &read, &transforms, true, &signals))
            .map(drop)
            .map_err(|e| signals.failure(e, &target))
    }

    /// Adds another ranker's counts: afterwards this ranker holds the counts
    /// of both inputs, exactly. With itself, every count doubles.
    fn merge(&self, py: Python<'_>, other: &Bound<'_, Self>) -> Result<(), Failure> {
        let other = other.get();
        if std::ptr::eq(self, other) {
            let mut me = self.lock(py)?;
            let me = &mut *me;
            return Ok(py.detach(|| {
                let state = me.state().clone();
                me.merge_state(&state)
            })?);
        }
        // Both locks, in address order.
        let self_first = std::ptr::from_ref(self) < std::ptr::from_ref(other);
        let (a, b) = if self_first {
            (self, other)
        } else {
            (other, self)
        };
        let (mut a, mut b) = (a.lock(py)?, b.lock(py)?);
        let (me, them) = if self_first {
            (&mut *a, &*b)
        } else {
            (&mut *b, &*a)
        };
        Ok(py.detach(|| me.merge_state(them.state()))?)
    }

    /// The accumulated state as bytes (for pickling, or merging elsewhere).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyBytes>, Failure> {
        let ranker = self.lock(py)?;
        let state = ranker.state();
        let bytes = py.detach(|| state.to_bytes());
        Ok(PyBytes::new(py, &bytes))
    }

    /// Computes every measure of every feature and sorts them.
    fn finish(&self, py: Python<'_>) -> Result<PyRanking, Failure> {
        let ranker = self.lock(py)?;
        let ranker = &*ranker;
        let ranking = py.detach(|| ranker.finish())?;
        Ok(PyRanking::new(
            ranking,
            ranker.state().missing_target_rows(),
        ))
    }

    /// Redundancy, joint relevance and synergy of the tuples counted with
    /// `pairs` / `triples`, as JSON.
    fn interactions_json(&self, py: Python<'_>) -> Result<String, Failure> {
        let ranker = self.lock(py)?;
        let ranker = &*ranker;
        let found = py.detach(|| ranker.interactions())?;
        crate::pairs::json(&found)
    }

    /// Rows added so far (those with a missing target are not counted).
    #[getter]
    fn rows(&self, py: Python<'_>) -> Result<u64, Failure> {
        Ok(self.lock(py)?.state().rows())
    }

    /// Rows left out so far because their target was missing.
    #[getter]
    fn missing_target_rows(&self, py: Python<'_>) -> Result<u64, Failure> {
        Ok(self.lock(py)?.state().missing_target_rows())
    }

    /// The target column.
    #[getter]
    fn target(&self, py: Python<'_>) -> Result<String, Failure> {
        Ok(self.lock(py)?.state().target().to_string())
    }

    fn __repr__(&self, py: Python<'_>) -> Result<String, Failure> {
        let ranker = self.lock(py)?;
        let s = ranker.state();
        Ok(format!(
            "Ranker(target=`{}`, rows={}, features={})",
            s.target(),
            s.rows(),
            s.features().len()
        ))
    }
}

#[pyfunction]
pub(crate) fn merge_states<'py>(
    py: Python<'py>,
    states: Vec<Vec<u8>>,
) -> Result<Bound<'py, PyBytes>, Failure> {
    let merged = py.detach(|| -> Result<Vec<u8>, Failure> {
        let mut parts = states.iter();
        let first = parts
            .next()
            .ok_or_else(|| Failure::Usage("merge_states needs at least one state".into()))?;
        let mut total = RankState::from_bytes(first)?;
        for part in parts {
            total.merge(&RankState::from_bytes(part)?)?;
        }
        Ok(total.to_bytes())
    })?;
    Ok(PyBytes::new(py, &merged))
}
