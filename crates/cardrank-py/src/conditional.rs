//! Selection in target units and ranking given features from Python: the
//! run layer's conditional plan ([`cardrank_run::probe`]), then
//! [`ProbeRun::select`] or [`ProbeRun::rank_given`]. In-memory data is read
//! once into record batches that every pass walks; a file is read by the
//! run layer, as by the CLI. `cardrank.dask` drives the same plan through
//! `PairPlan(..., given=[...])` and `finish_probe`.

use std::path::PathBuf;

use cardrank::{Method, TargetSelectParams};
use cardrank_run::{Features, PairPlan, ProbeRun};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::input::read_all;
use crate::options::Options;
use crate::pairs::{feed_all, json};
use crate::ranking::PyRanking;
use crate::signals::Signals;

/// A ranking with the candidates' state kept for a selection in target
/// units or a ranking given features.
#[pyclass(module = "cardrank._core", name = "ProbeResult", frozen)]
pub struct PyProbeResult {
    ranking: Py<PyRanking>,
    run: ProbeRun,
}

pub(crate) fn probe_result(py: Python<'_>, run: ProbeRun) -> Result<PyProbeResult, Failure> {
    Ok(PyProbeResult {
        ranking: Py::new(py, PyRanking::new(run.ranking.clone(), 0))?,
        run,
    })
}

#[pymethods]
impl PyProbeResult {
    /// The ranking of every feature.
    #[getter]
    fn ranking(&self, py: Python<'_>) -> Py<PyRanking> {
        self.ranking.clone_ref(py)
    }

    /// What was read (`pair_features`: the candidates and the given
    /// features, `passes`, `note`) as JSON.
    fn budget_json(&self) -> Result<String, Failure> {
        json(&self.run.budget)
    }

    /// How values were grouped into levels, as JSON: `{"grouping":
    /// {"min_count", "bins"}, "grouped": [{"feature", "how",
    /// "levels_before", "levels_after", "rare_rows"}, ...]}`.
    fn grouping_json(&self) -> Result<String, Failure> {
        json(&serde_json::json!({
            "grouping": self.run.grouping,
            "grouped": self.run.grouped,
        }))
    }

    /// A greedy selection in target units as JSON (`{"method",
    /// "k_suggested", "selected": [...], ...}`): `method` one of jmi, joint,
    /// cmim, mrmr, 3mr; keywords `k` (None stops at the last significant step),
    /// `min_z`, `alpha`, `beta`, `pair_steps`.
    #[pyo3(signature = (method, **options))]
    fn select(
        &self,
        py: Python<'_>,
        method: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> Result<String, Failure> {
        let params = select_params(method, options)?;
        let run = &self.run;
        let selection = py
            .detach(|| run.select(&params))
            .map_err(|e| Failure::from_run(e, &run.ranking.target))?;
        json(&selection)
    }

    /// The candidates by what they add beyond the given features, as JSON
    /// (`{"given", "joint_levels", "features": [...]}`).
    #[pyo3(signature = (*, joint_levels = 10_000))]
    fn rank_given(&self, py: Python<'_>, joint_levels: usize) -> Result<String, Failure> {
        let run = &self.run;
        let ranked = py
            .detach(|| run.rank_given(joint_levels))
            .map_err(|e| Failure::from_run(e, &run.ranking.target))?;
        json(&ranked)
    }
}

/// The core's parameters of a selection from `method` and the keywords.
fn select_params(
    method: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<TargetSelectParams, Failure> {
    let mut p = TargetSelectParams::new(method.parse::<Method>()?);
    for (key, value) in options.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        match key.as_str() {
            "k" => p.k = value.extract()?,
            "min_z" => p.min_z = value.extract()?,
            "alpha" => p.alpha = value.extract()?,
            "beta" => p.beta = value.extract()?,
            "pair_steps" => {
                if !value.extract::<bool>()? {
                    p.pair_pool = 0;
                }
            }
            _ => {
                return Err(cardrank::Error::InvalidParameter {
                    name: "option",
                    value: key,
                    expected: "one of k, min_z, alpha, beta, pair_steps",
                }
                .into())
            }
        }
    }
    Ok(p)
}

/// Ranks Arrow data, then keeps the best `max_features` candidates
/// (default 500) and the `given` features for [`PyProbeResult`].
#[pyfunction]
#[pyo3(signature = (data, target, **options))]
pub(crate) fn probe_run(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<PyProbeResult, Failure> {
    let o = Options::from_kwargs(options)?;
    let (batches, schema) = read_all(py, data, &target, &o)?;
    let exclude = o.exclude.clone().unwrap_or_default();
    let features = Features::of(&schema, &target, o.features.as_deref(), &exclude);
    let plan = PairPlan::new(
        o.params(target)?,
        features.ranked.len(),
        &features.pairable,
        &o.candidates(),
    )?
    .conditional(&o.given())?;
    let run = py.detach(|| {
        cardrank_run::plan::drive(plan, |ranker, _| feed_all(ranker, &batches))?
            .finish_probe(&o.grouping())
            .map_err(Failure::from)
    })?;
    probe_result(py, run)
}

/// [`probe_run`] over a file (or glob), read by the run layer as by the CLI.
#[pyfunction]
#[pyo3(signature = (path, target, **options))]
pub(crate) fn probe_run_path(
    py: Python<'_>,
    path: PathBuf,
    target: String,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<PyProbeResult, Failure> {
    let o = Options::from_kwargs(options)?;
    let spec = o.spec(path, target)?;
    let budget = o.candidates();
    let given = o.given();
    let grouping = o.grouping();
    let signals = Signals::default();
    let done = py
        .detach(|| cardrank_run::probe(&spec, &budget, &given, &grouping, &signals))
        .map_err(|e| signals.failure(e, &spec.target))?;
    probe_result(py, done.run)
}

// Python sees the default `joint_levels` and the selection's grouping as
// literals; they must stay the run layer's and the core's.
const _: () = assert!(cardrank_run::DEFAULT_JOINT_LEVELS == 10_000);
const _: () = assert!(cardrank::Grouping::SELECT.min_count == 20);
const _: () = assert!(cardrank::Grouping::SELECT.bins == 32);
