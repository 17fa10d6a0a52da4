//! Pairs and triples from Python: redundancy, joint relevance, synergy and
//! 3MR selection, within the pair budget of the run layer
//! ([`cardrank_run::PairPlan`]).
//!
//! In-memory Arrow data is read once into a list of record batches (no copy
//! of column buffers) so that the budget's passes can each walk it; a file is
//! read by the run layer, as by the CLI. The work runs without the GIL;
//! signals are checked between batches. `cardrank.dask` drives the same
//! plan through [`PyPairPlan`].

use std::path::PathBuf;

use arrow_array::RecordBatch;
use cardrank::{Aggregate, Interactions, RankState, Ranker, SelectParams};
use cardrank_run::{BudgetUsed, Features, PairPlan, PairRun, Pass};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PySchema;

use crate::errors::Failure;
use crate::input::read_all;
use crate::options::Options;
use crate::ranking::PyRanking;
use crate::signals::Signals;

/// A ranking with the redundancy, joint relevance and synergy of the counted
/// feature tuples, and the budget used.
#[pyclass(module = "cardrank._core", name = "PairResult", frozen)]
pub struct PyPairResult {
    ranking: Py<PyRanking>,
    interactions: Interactions,
    budget: BudgetUsed,
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| {
        Failure::Py(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "cannot serialise the result: {e}"
        )))
    })
}

#[pymethods]
impl PyPairResult {
    /// The ranking of every feature.
    #[getter]
    fn ranking(&self, py: Python<'_>) -> Py<PyRanking> {
        self.ranking.clone_ref(py)
    }

    /// `{"rows", "features", "relevance", "pairs_tested", "triples_tested",
    /// "redundancy": [...], "pairs": [...], "triples": [...]}` as JSON.
    fn interactions_json(&self) -> Result<String, Failure> {
        json(&self.interactions)
    }

    /// What was counted (`pair_features`, `pairs_tested`, `passes`, `note`,
    /// ...) as JSON.
    fn budget_json(&self) -> Result<String, Failure> {
        json(&self.budget)
    }

    /// Greedy mRMR / 3MR selection of `k` features from the counted pairs,
    /// as JSON (`{"method", "selected": [...], ...}`).
    #[pyo3(signature = (k, *, alpha = 1.0, beta = 1.0, aggregate = "mean", pair_steps = true))]
    fn select(
        &self,
        py: Python<'_>,
        k: usize,
        alpha: f64,
        beta: f64,
        aggregate: &str,
        pair_steps: bool,
    ) -> Result<String, Failure> {
        let params = SelectParams {
            k,
            alpha,
            beta,
            aggregate: aggregate.parse::<Aggregate>()?,
            pair_steps,
        };
        let inter = &self.interactions;
        let selection = py.detach(|| cardrank::select(inter, &params))?;
        json(&selection)
    }
}

/// Hands every batch to `sink`, checking for signals between batches (the
/// caller runs without the GIL). Shared by the pair passes and the report.
/// Most rows given to [`cardrank::Ranker::update_all`] at once by
/// [`feed_all`] and [`crate::ranker::feed`] (signals are checked between).
pub(crate) const GROUP_ROWS: usize = 1 << 18;

/// Feeds batches already in memory to `ranker` several at a time
/// ([`cardrank::Ranker::update_all`]: each column coded through them in one
/// go, so a table of many small chunks passes as fast as one batch),
/// checking for signals between groups of at most [`GROUP_ROWS`] rows.
pub(crate) fn feed_all(ranker: &mut Ranker, batches: &[RecordBatch]) -> Result<(), Failure> {
    let mut start = 0;
    while start < batches.len() {
        let (mut end, mut rows) = (start, 0);
        while end < batches.len() && (end == start || rows + batches[end].num_rows() <= GROUP_ROWS)
        {
            rows += batches[end].num_rows();
            end += 1;
        }
        ranker.update_all(&batches[start..end])?;
        Python::attach(|py| py.check_signals())?;
        start = end;
    }
    Ok(())
}

pub(crate) fn drain(
    batches: impl Iterator<Item = Result<RecordBatch, Failure>>,
    mut sink: impl FnMut(&RecordBatch) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for batch in batches {
        sink(&batch?)?;
        Python::attach(|py| py.check_signals())?;
    }
    Ok(())
}

fn result(py: Python<'_>, run: PairRun) -> Result<PyPairResult, Failure> {
    Ok(PyPairResult {
        ranking: Py::new(py, PyRanking::new(run.ranking, 0))?,
        interactions: run.interactions,
        budget: run.budget,
    })
}

/// Ranks Arrow data and counts pairs (and triples) within the budget; the
/// passes are the run layer's [`cardrank_run::PairPlan`], each walking the
/// batches read once into memory (no copy of column buffers).
#[pyfunction]
#[pyo3(signature = (data, target, **options))]
pub(crate) fn pair_run(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<PyPairResult, Failure> {
    let o = Options::from_kwargs(options)?;
    let (batches, schema) = read_all(py, data, &target, &o)?;
    let exclude = o.exclude.clone().unwrap_or_default();
    let features = Features::of(&schema, &target, o.features.as_deref(), &exclude);
    let params = o.params(target)?;
    let budget = o.budget();
    let run = py.detach(|| {
        cardrank_run::plan::run(
            params,
            features.ranked.len(),
            &features.pairable,
            &budget,
            |ranker, _| feed_all(ranker, &batches),
        )
    })?;
    result(py, run)
}

/// Ranks a file (or glob) and counts pairs (and triples) within the budget,
/// as `cardrank rank --redundancy` does (the run layer's passes; each reads
/// only the columns it needs).
#[pyfunction]
#[pyo3(signature = (path, target, **options))]
pub(crate) fn pair_run_path(
    py: Python<'_>,
    path: PathBuf,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<PyPairResult, Failure> {
    let o = Options::from_kwargs(options)?;
    let spec = o.spec(path, target)?;
    let budget = o.budget();
    let signals = Signals::default();
    let done = py
        .detach(|| cardrank_run::pairs(&spec, &budget, &signals))
        .map_err(|e| signals.failure(e, &spec.target))?;
    result(py, done.run)
}

/// The ranked and the pairable features of an Arrow schema for `target`
/// (with `features` / `exclude` from the options), as the pair passes see
/// them: `(ranked, pairable)`.
#[pyfunction]
#[pyo3(signature = (schema, target, **options))]
pub(crate) fn features_of(
    schema: PySchema,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<(Vec<String>, Vec<String>), Failure> {
    let o = Options::from_kwargs(options)?;
    let exclude = o.exclude.clone().unwrap_or_default();
    let f = Features::of(
        &schema.into_inner(),
        &target,
        o.features.as_deref(),
        &exclude,
    );
    Ok((f.ranked, f.pairable))
}

/// The pair budget's passes, one at a time, for an engine that counts each
/// pass itself (`cardrank.dask`: a state per partition, merged): the same
/// [`PairPlan`] the one-process runs drive.
#[pyclass(module = "cardrank._core", name = "PairPlan")]
pub struct PyPairPlan {
    plan: Option<PairPlan>,
    pass: Option<Pass>,
    /// A conditional plan's grouping of values into levels.
    grouping: cardrank::Grouping,
}

#[pymethods]
impl PyPairPlan {
    /// A plan over `ranked` features of which `pairable` can be paired (in
    /// input order), with the options' parameters and budget.
    #[new]
    #[pyo3(signature = (target, ranked, pairable, **options))]
    fn new(
        target: String,
        ranked: usize,
        pairable: Vec<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> Result<Self, Failure> {
        let o = Options::from_kwargs(options)?;
        let plan = match &o.given {
            // A conditional plan (a selection in target units, a ranking
            // given features): finished by `finish_probe`.
            Some(given) => PairPlan::new(o.params(target)?, ranked, &pairable, &o.candidates())?
                .conditional(given)?,
            None => PairPlan::new(o.params(target)?, ranked, &pairable, &o.budget())?,
        };
        Ok(PyPairPlan {
            plan: Some(plan),
            pass: None,
            grouping: o.grouping(),
        })
    }

    /// The next pass, or None when the plan is complete: `(params, columns)`,
    /// the JSON of the pass's ranker parameters (for
    /// `Ranker.for_pass`) and the columns it reads (None: all).
    fn next(&mut self) -> Result<Option<PassSpec>, Failure> {
        let plan = self.plan.as_ref().ok_or_else(finished)?;
        self.pass = plan.next();
        match &self.pass {
            None => Ok(None),
            Some(pass) => Ok(Some((json(&pass.params)?, pass.columns.clone()))),
        }
    }

    /// Takes the counts of the pass `next` gave, as the bytes of the merged
    /// state of every partition.
    fn take(&mut self, py: Python<'_>, state: &[u8]) -> Result<(), Failure> {
        let plan = self.plan.as_mut().ok_or_else(finished)?;
        let pass = self
            .pass
            .take()
            .ok_or_else(|| Failure::Usage("PairPlan.take: call next() first".into()))?;
        py.detach(|| -> Result<(), Failure> {
            let state = RankState::from_bytes(state)?;
            let ranker = Ranker::from_state(pass.params, state)?;
            Ok(plan.take(ranker)?)
        })
    }

    /// The result, once every pass was taken.
    fn finish(&mut self, py: Python<'_>) -> Result<PyPairResult, Failure> {
        let plan = self.plan.take().ok_or_else(finished)?;
        let run = py.detach(|| plan.finish())?;
        result(py, run)
    }

    /// A conditional plan's result (made with `given=`), once every pass
    /// was taken.
    fn finish_probe(
        &mut self,
        py: Python<'_>,
    ) -> Result<crate::conditional::PyProbeResult, Failure> {
        let plan = self.plan.take().ok_or_else(finished)?;
        let grouping = self.grouping;
        let run = py.detach(|| plan.finish_probe(&grouping))?;
        crate::conditional::probe_result(py, run)
    }
}

/// A pass as Python sees it: the JSON of its ranker parameters and the
/// columns it reads (None: all).
type PassSpec = (String, Option<Vec<String>>);

fn finished() -> Failure {
    Failure::Usage("the PairPlan is finished".into())
}

// Python's wrappers spell the default `max_features` as a literal (so that
// users see it); it must stay the run layer's.
const _: () = assert!(cardrank_run::plan::DEFAULT_MAX_FEATURES == 50);
