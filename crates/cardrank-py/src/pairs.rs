//! Pairs and triples from Python: redundancy, joint relevance, synergy and
//! 3MR selection, within the core's pair budget ([`cardrank::pairs::run`]).
//!
//! In-memory Arrow data is read once into a list of record batches (no copy
//! of column buffers) so that the budget's passes can each walk it; a file is
//! reopened per pass, reading only the columns that pass needs. The work
//! runs without the GIL; signals are checked between batches.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use cardrank::{Aggregate, BudgetUsed, Interactions, PairBudget, Ranker, SelectParams};
use cardrank_io::{Projection, ReadOptions};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::input::checked;
use crate::ranker::params;
use crate::ranking::PyRanking;

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

/// Budget and rank parameters shared by both entry points.
struct Args {
    target: String,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: String,
    budget: PairBudget,
}

impl Args {
    /// The ranked features of `schema` and those that can be paired
    /// (single-valued columns), in schema order.
    fn columns(&self, schema: &SchemaRef) -> (Vec<String>, Vec<String>) {
        let ranked = |name: &String| {
            name != &self.target
                && !self.exclude.as_ref().is_some_and(|e| e.contains(name))
                && self.features.as_ref().is_none_or(|f| f.contains(name))
        };
        let fields = schema.fields();
        let all = fields
            .iter()
            .filter(|f| ranked(f.name()))
            .map(|f| f.name().clone())
            .collect();
        let pairable = fields
            .iter()
            .filter(|f| ranked(f.name()) && !f.data_type().is_nested())
            .map(|f| f.name().clone())
            .collect();
        (all, pairable)
    }

    fn run(
        self,
        py: Python<'_>,
        schema: &SchemaRef,
        pass: impl FnMut(&mut Ranker, Option<&[String]>) -> Result<(), Failure> + Send,
    ) -> Result<PyPairResult, Failure> {
        let (all, pairable) = self.columns(schema);
        let p = params(
            self.target.clone(),
            self.threads,
            self.missing.clone(),
            self.features.clone(),
            self.exclude.clone(),
            &self.score,
            false,
        )?;
        let budget = &self.budget;
        let run = py.detach(|| cardrank::pairs::run(p, all.len(), &pairable, budget, pass))?;
        Ok(PyPairResult {
            ranking: Py::new(py, PyRanking::new(run.ranking, 0))?,
            interactions: run.interactions,
            budget: run.budget,
        })
    }
}

/// Hands every batch to `sink`, checking for signals between batches (the
/// caller runs without the GIL). Shared by the pair passes and the report.
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

/// Ranks Arrow data and counts pairs (and triples) within the budget.
#[pyfunction]
#[pyo3(signature = (data, target, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", max_features = 50, max_pairs = None, triple_pairs = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair_run(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: String,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: &str,
    max_features: usize,
    max_pairs: Option<usize>,
    triple_pairs: Option<usize>,
) -> Result<PyPairResult, Failure> {
    let reader = data.into_reader()?;
    let schema = reader.schema();
    let batches = py.detach(|| checked(reader)?.collect::<Result<Vec<RecordBatch>, _>>())?;
    let args = Args {
        target,
        threads,
        missing,
        features,
        exclude,
        score: score.to_string(),
        budget: PairBudget {
            max_features,
            max_pairs,
            triple_pairs,
        },
    };
    args.run(py, &schema, |ranker, _| {
        drain(batches.iter().cloned().map(Ok), |b| Ok(ranker.update(b)?))
    })
}

/// Ranks a file (or glob) and counts pairs (and triples) within the budget;
/// each pass reopens the file and reads only the columns it needs.
#[pyfunction]
#[pyo3(signature = (path, target, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", max_features = 50, max_pairs = None, triple_pairs = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn pair_run_path(
    py: Python<'_>,
    path: PathBuf,
    target: String,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: &str,
    max_features: usize,
    max_pairs: Option<usize>,
    triple_pairs: Option<usize>,
) -> Result<PyPairResult, Failure> {
    let open = |features: Option<Vec<String>>, exclude: Vec<String>| {
        let opts = ReadOptions {
            columns: Projection {
                target: Some(target.clone()),
                features,
                exclude,
            },
            ..ReadOptions::default()
        };
        cardrank_io::open(std::slice::from_ref(&path), &opts)
            .map_err(|e| Failure::from_io(e, &target))
    };
    let first = py.detach(|| open(features.clone(), exclude.clone().unwrap_or_default()))?;
    let schema = first.schema();
    let mut first = Some(first);
    let args = Args {
        target: target.clone(),
        threads,
        missing,
        features: features.clone(),
        // The reader leaves them out (and checks they exist).
        exclude: None,
        score: score.to_string(),
        budget: PairBudget {
            max_features,
            max_pairs,
            triple_pairs,
        },
    };
    args.run(py, &schema, |ranker, cols| {
        let source = match (first.take(), cols) {
            (Some(source), None) => source,
            (_, cols) => open(
                cols.map(<[String]>::to_vec).or_else(|| features.clone()),
                exclude.clone().unwrap_or_default(),
            )?,
        };
        drain(
            source.map(|b| b.map_err(|e| Failure::from_io(e, &target))),
            |b| Ok(ranker.update(b)?),
        )
    })
}

// The signatures above spell the default `max_features` as a literal (so
// that Python sees it); it must stay the core's.
const _: () = assert!(cardrank::pairs::DEFAULT_MAX_FEATURES == 50);

/// Triples: each of `pairs` extended by every other of `features`, each
/// once, names in the order of `features` (the candidates of the budget's
/// triple pass).
#[pyfunction]
pub(crate) fn triple_candidates(
    pairs: Vec<[String; 2]>,
    features: Vec<String>,
) -> Vec<[String; 3]> {
    cardrank::pairs::triple_candidates(&pairs, &features)
}
