//! The streaming ranker: Arrow batches or files in, a ranking out.
//!
//! Every call extracts its inputs with the GIL held, then does the work with
//! the GIL released (`Python::detach`), one batch at a time; between batches
//! it re-attaches and checks for signals, so Ctrl-C interrupts a long ranking
//! with `KeyboardInterrupt` (the batches already added stay counted).
//! Files are read by the run layer (`cardrank_run::read_into`: parallel
//! byte ranges or one reader), also without the GIL.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use cardrank::{RankState, Ranker};
use cardrank_run::ReadArgs;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::options::Options;
use crate::ranking::PyRanking;
use crate::signals::Signals;

/// Accumulates the joint counts of every feature with the target, batch by
/// batch; mergeable and serialisable. Files are read with the ranker's read
/// options (`delimiter`, `format`, `numeric`, ...).
#[pyclass(module = "cardrank._core", name = "Ranker")]
pub struct PyRanker {
    inner: Ranker,
    read: ReadArgs,
}

/// Feeds batches into `ranker` without the GIL, checking for signals between
/// batches.
pub(crate) fn feed<I, E>(py: Python<'_>, ranker: &mut Ranker, mut batches: I) -> Result<(), Failure>
where
    I: Iterator<Item = Result<RecordBatch, E>> + Send,
    E: Into<Failure> + Send,
{
    loop {
        let more = py.detach(|| -> Result<bool, Failure> {
            match batches.next() {
                None => Ok(false),
                Some(batch) => {
                    let batch = batch.map_err(Into::into)?;
                    ranker.update(&batch)?;
                    Ok(true)
                }
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
        Ok(PyRanker {
            inner: Ranker::new(o.params(target)?)?,
            read: o.read_args(),
        })
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
        Ok(PyRanker {
            inner: Ranker::from_state(p, state)?,
            read: o.read_args(),
        })
    }

    /// A ranker with the parameters of a pair plan's pass (their JSON, from
    /// `PairPlan.next`), for one partition of that pass.
    #[staticmethod]
    fn for_pass(params: &str) -> Result<Self, Failure> {
        let p: cardrank::RankParams = serde_json::from_str(params)
            .map_err(|e| Failure::Usage(format!("not the parameters of a pass: {e}")))?;
        Ok(PyRanker {
            inner: Ranker::new(p)?,
            read: ReadArgs::default(),
        })
    }

    /// Adds the rows of an Arrow object (anything with `__arrow_c_stream__`
    /// or `__arrow_c_array__`), batch by batch, without copying columns.
    fn update(&mut self, py: Python<'_>, data: AnyRecordBatch) -> Result<(), Failure> {
        let reader = data.into_reader()?;
        feed(py, &mut self.inner, reader)
    }

    /// Adds the rows of a file read in Rust with the ranker's read options:
    /// CSV/TSV (plain, gzip or zstd), Parquet, Arrow IPC or Vowpal Wabbit,
    /// recognised by content; a glob pattern reads every matching file. Only
    /// the target and the wanted features are read; one plain CSV/TSV file
    /// is read in parallel byte ranges (Ctrl-C then counts nothing of it).
    fn update_path(&mut self, py: Python<'_>, path: PathBuf) -> Result<(), Failure> {
        let p = self.inner.params();
        let target = p.target.clone();
        let missing = p.missing.clone();
        // The ranker leaves `exclude` out (and checks those columns exist);
        // the reader must still deliver them.
        let (read, transforms) = self
            .read
            .reader(&target, &missing, p.features.clone(), Vec::new())
            .map_err(|e| Failure::from_io(e, &target))?;
        let signals = Signals::default();
        let ranker = &mut self.inner;
        py.detach(|| cardrank_run::read_into(ranker, &[path], &read, &transforms, true, &signals))
            .map(drop)
            .map_err(|e| signals.failure(e, &target))
    }

    /// Adds another ranker's counts: afterwards this ranker holds the counts
    /// of both inputs, exactly.
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> Result<(), Failure> {
        let py = slf.py();
        if slf.is(other) {
            // Merging with itself doubles every count; copy the state first.
            let state = slf.borrow().inner.state().clone();
            let mut me = slf.try_borrow_mut().map_err(PyErr::from)?;
            let me = &mut me.inner;
            return Ok(py.detach(|| me.merge_state(&state))?);
        }
        let theirs = other.try_borrow().map_err(PyErr::from)?;
        let mut mine = slf.try_borrow_mut().map_err(PyErr::from)?;
        let (me, them) = (&mut mine.inner, &theirs.inner);
        Ok(py.detach(|| me.merge_state(them.state()))?)
    }

    /// The accumulated state as bytes (for pickling, or merging elsewhere).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let state = self.inner.state();
        let bytes = py.detach(|| state.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Computes every measure of every feature and sorts them.
    fn finish(&self, py: Python<'_>) -> Result<PyRanking, Failure> {
        let ranker = &self.inner;
        let ranking = py.detach(|| ranker.finish())?;
        Ok(PyRanking::new(ranking))
    }

    /// Redundancy, joint relevance and synergy of the tuples counted with
    /// `pairs` / `triples`, as JSON.
    fn interactions_json(&self, py: Python<'_>) -> Result<String, Failure> {
        let ranker = &self.inner;
        let found = py.detach(|| ranker.interactions())?;
        crate::pairs::json(&found)
    }

    /// Rows added so far.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.state().rows()
    }

    /// The target column.
    #[getter]
    fn target(&self) -> &str {
        self.inner.state().target()
    }

    fn __repr__(&self) -> String {
        let s = self.inner.state();
        format!(
            "Ranker(target=`{}`, rows={}, features={})",
            s.target(),
            s.rows(),
            s.features().len()
        )
    }
}

/// The bytes of the merge of several states (`Ranker.to_bytes` output of
/// rankers with the same parameters), in the order given.
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
