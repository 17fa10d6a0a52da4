//! The streaming ranker: Arrow batches or files in, a ranking out.
//!
//! Every call extracts its inputs with the GIL held, then does the work with
//! the GIL released (`Python::detach`), one batch at a time; between batches
//! it re-attaches and checks for signals, so Ctrl-C interrupts a long ranking
//! with `KeyboardInterrupt` (the batches already added stay counted).
//! Files are read by `cardrank_io` in Rust, also without the GIL.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use arrow_array::RecordBatch;
use cardrank::{PairSpec, RankParams, RankState, Ranker, Score};
use cardrank_io::split::{CsvSplit, SplitError, SplitRun, SplitSize};
use cardrank_io::{Projection, ReadOptions, Transforms};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::ranking::PyRanking;

/// Accumulates the joint counts of every feature with the target, batch by
/// batch; mergeable and serialisable.
#[pyclass(module = "cardrank._core", name = "Ranker")]
pub struct PyRanker {
    inner: Ranker,
}

/// Builds the core's parameters from Python arguments (checked by the core).
pub(crate) fn params(
    target: String,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: &str,
) -> Result<RankParams, Failure> {
    let mut p = RankParams::new(target).score(score.parse::<Score>()?);
    if let Some(n) = threads {
        // Zero goes to the core, which names the allowed range.
        let n = usize::try_from(n).map_err(|_| cardrank::Error::InvalidParameter {
            name: "threads",
            value: n.to_string(),
            expected: "a thread count from 1 to 1024",
        })?;
        p = p.threads(n);
    }
    if let Some(tokens) = missing {
        p = p.missing(&tokens);
    }
    if let Some(names) = features {
        p = p.features(&names);
    }
    if let Some(names) = exclude {
        p = p.exclude(&names);
    }
    Ok(p)
}

/// Adds the pair spec: all pairs among `pairs`, and `triples`.
fn with_pairs(
    p: RankParams,
    pairs: Option<Vec<String>>,
    triples: Option<Vec<[String; 3]>>,
) -> RankParams {
    if pairs.is_none() && triples.is_none() {
        return p;
    }
    p.pairs(PairSpec::among(pairs.unwrap_or_default()).with_triples(triples.unwrap_or_default()))
}

/// Feeds batches into `ranker` without the GIL, checking for signals between
/// batches.
fn feed<I, E>(py: Python<'_>, ranker: &mut Ranker, mut batches: I) -> Result<(), Failure>
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

/// Adds one plain CSV/TSV file read in parallel byte ranges, one ranker per
/// range on the ranker's pool, merged in file order (see
/// [`cardrank_io::split`]: same counts as one reader). Returns `false`, with
/// nothing counted, when the file is to be read by one reader (anything but
/// one uncompressed CSV/TSV file, or a quoted line feed across a cut).
///
/// The ranges are read on a helper thread while this one, without the GIL,
/// waits and checks for signals every 50 ms: Ctrl-C stops every range and
/// raises `KeyboardInterrupt` with nothing of the file counted.
fn update_split(
    py: Python<'_>,
    ranker: &mut Ranker,
    path: &Path,
    opts: &ReadOptions,
) -> Result<bool, Failure> {
    if ranker.params().max_distinct.is_some() {
        // Folding depends on the order of the rows and on batch boundaries.
        return Ok(false);
    }
    let size = SplitSize::from_env()?;
    let inputs = [path.to_path_buf()];
    let t = Transforms::default();
    let planned = py.detach(|| ranker.install(|| CsvSplit::plan(&inputs, opts, &t, size)));
    let Ok(split) = planned else {
        return Ok(false);
    };
    let stop = AtomicBool::new(false);
    let me = &*ranker;
    let (run, interrupted) = py.detach(|| {
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let (split, stop) = (&split, &stop);
            let worker = s.spawn(move || {
                let run = me.install(|| {
                    split.run(
                        || me.sibling(),
                        |r, batch| {
                            if stop.load(Ordering::Relaxed) {
                                return Err(None);
                            }
                            r.update(batch).map_err(Some)
                        },
                        |left: Ranker, right| left.join(right).map_err(Some),
                    )
                });
                let _ = done_tx.send(());
                run
            });
            let mut interrupted = None;
            while let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(SIGNAL_POLL) {
                if interrupted.is_none() {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        stop.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
            }
            let run = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (run, interrupted)
        })
    });
    if let Some(e) = interrupted {
        return Err(Failure::Py(e));
    }
    let target = ranker.params().target.clone();
    let merged = match run {
        Ok(SplitRun::Done(merged)) => merged,
        Ok(SplitRun::Fallback(_)) => return Ok(false),
        Err(SplitError::Read(e)) => return Err(Failure::from_io(e, &target)),
        Err(SplitError::Sink(Some(e))) => return Err(e.into()),
        // Only a signal stops a range, and it was raised above.
        Err(SplitError::Sink(None)) => return Ok(false),
    };
    // A ranker that saw nothing becomes the file's (a sibling: the same
    // parameters and pool), without a copy.
    let fresh = ranker.state().features().is_empty();
    py.detach(|| {
        if fresh {
            *ranker = merged;
            Ok(())
        } else {
            ranker.merge_state(merged.state())
        }
    })?;
    Ok(true)
}

/// How often the waiting thread checks for signals.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

#[pymethods]
impl PyRanker {
    /// A ranker for `target`; see `cardrank.Ranker` for the parameters.
    #[new]
    #[pyo3(signature = (target, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", pairs = None, triples = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        target: String,
        threads: Option<i64>,
        missing: Option<Vec<String>>,
        features: Option<Vec<String>>,
        exclude: Option<Vec<String>>,
        score: &str,
        pairs: Option<Vec<String>>,
        triples: Option<Vec<[String; 3]>>,
    ) -> Result<Self, Failure> {
        let p = params(target, threads, missing, features, exclude, score)?;
        let p = with_pairs(p, pairs, triples);
        Ok(PyRanker {
            inner: Ranker::new(p)?,
        })
    }

    /// A ranker continuing from `to_bytes()` output; the target and the
    /// missing tokens come from the bytes (an explicit `missing` must match).
    #[staticmethod]
    #[pyo3(signature = (data, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", pairs = None, triples = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_bytes(
        py: Python<'_>,
        data: &[u8],
        threads: Option<i64>,
        missing: Option<Vec<String>>,
        features: Option<Vec<String>>,
        exclude: Option<Vec<String>>,
        score: &str,
        pairs: Option<Vec<String>>,
        triples: Option<Vec<[String; 3]>>,
    ) -> Result<Self, Failure> {
        let state = py.detach(|| RankState::from_bytes(data))?;
        // The missing tokens travel in the bytes; an explicit value must match.
        let missing = missing.or_else(|| Some(state.missing_tokens()));
        let p = params(
            state.target().to_string(),
            threads,
            missing,
            features,
            exclude,
            score,
        )?;
        let p = with_pairs(p, pairs, triples);
        Ok(PyRanker {
            inner: Ranker::from_state(p, state)?,
        })
    }

    /// Adds the rows of an Arrow object (anything with `__arrow_c_stream__`
    /// or `__arrow_c_array__`), batch by batch, without copying columns.
    fn update(&mut self, py: Python<'_>, data: AnyRecordBatch) -> Result<(), Failure> {
        let reader = data.into_reader()?;
        feed(py, &mut self.inner, reader)
    }

    /// Adds the rows of a file read in Rust by `cardrank_io::open`: CSV/TSV
    /// (plain, gzip or zstd), Parquet, Arrow IPC or Vowpal Wabbit, recognised
    /// by content; a glob pattern reads every matching file. Only the target
    /// and the wanted features are read.
    fn update_path(&mut self, py: Python<'_>, path: PathBuf) -> Result<(), Failure> {
        let p = self.inner.params();
        let target = p.target.clone();
        let opts = ReadOptions {
            // The ranker leaves `exclude` out (and checks those columns
            // exist); the reader must still deliver them.
            columns: Projection {
                target: Some(p.target.clone()),
                features: p.features.clone(),
                exclude: Vec::new(),
            },
            ..ReadOptions::default()
        };
        if update_split(py, &mut self.inner, &path, &opts)? {
            return Ok(());
        }
        let source = py
            .detach(|| cardrank_io::open(&[path], &opts))
            .map_err(|e| Failure::from_io(e, &target))?;
        let batches = source.map(move |batch| batch.map_err(|e| Failure::from_io(e, &target)));
        feed(py, &mut self.inner, batches)
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
