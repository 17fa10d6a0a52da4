//! `cardrank.report`: the data-quality report from Python, built and written
//! by `cardrank_report` exactly as `cardrank report` does.
//!
//! In-memory Arrow data is read once into record batches (no copy of column
//! buffers) so that the second pass (unusual rows, redundancy heatmap) can
//! walk it again; a file is reopened for the second pass.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use arrow_array::RecordBatch;
use cardrank::quality::QualityParams;
use cardrank_io::{InputReport, Progress, Projection, ReadOptions};
use cardrank_report::{Pass, Report, ReportOptions};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::input::checked;
use crate::pairs::drain;
use crate::ranker::params;

/// The report's options, from Python arguments.
struct Args {
    target: String,
    out: PathBuf,
    threads: Option<i64>,
    missing: Vec<String>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: String,
    top_values: usize,
    unusual_rows: usize,
    heatmap: usize,
    thresholds: BTreeMap<String, f64>,
    drop_missing_target: bool,
}

impl Args {
    /// Builds the report (the passes run without the GIL).
    fn build(
        &self,
        py: Python<'_>,
        mut pass: impl FnMut(
                Pass,
                Option<Vec<String>>,
                &mut dyn FnMut(&RecordBatch) -> Result<(), Failure>,
            ) -> Result<(), Failure>
            + Send,
    ) -> Result<Report, Failure> {
        let p = params(
            self.target.clone(),
            self.threads,
            Some(self.missing.clone()),
            self.features.clone(),
            self.exclude.clone(),
            &self.score,
            self.drop_missing_target,
        )?;
        let mut quality = QualityParams {
            top_values: self.top_values,
            ..QualityParams::default()
        };
        for (name, value) in &self.thresholds {
            quality.thresholds.set(name, *value)?;
        }
        let options = ReportOptions {
            unusual_rows: self.unusual_rows,
            heatmap: self.heatmap,
            quality,
        };
        py.detach(|| cardrank_report::build(p, &options, None, &mut pass))
    }

    /// Writes the report files into `out`; returns quality.json.
    fn write<S: serde::Serialize + Sync>(
        &self,
        py: Python<'_>,
        report: &Report,
        input: &S,
        source: &str,
        start: Instant,
    ) -> Result<String, Failure> {
        let seconds = start.elapsed().as_secs_f64();
        let out = &self.out;
        py.detach(|| -> Result<String, Failure> {
            cardrank_report::write(out, report, input, source, seconds).map_err(write_error)?;
            cardrank_report::quality_json(report, input, source, seconds).map_err(write_error)
        })
    }
}

/// `cardrank.WriteError` (an `OSError`), as the CLI's exit 1.
fn write_error(e: cardrank_report::WriteError) -> Failure {
    write_error_text(e.to_string())
}

fn write_error_text(e: String) -> Failure {
    Failure::Named("WriteError", format!("cannot write the report: {e}"))
}

/// The data-quality report of Arrow data, written into `out`; returns
/// quality.json.
#[pyfunction]
#[pyo3(signature = (data, target, out, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", top_values = 10, unusual_rows = 20, heatmap = 15, thresholds = None, drop_missing_target = false, source = "in-memory table"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn report(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: String,
    out: PathBuf,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: &str,
    top_values: usize,
    unusual_rows: usize,
    heatmap: usize,
    thresholds: Option<BTreeMap<String, f64>>,
    drop_missing_target: bool,
    source: &str,
) -> Result<String, Failure> {
    let reader = data.into_reader()?;
    let batches = py.detach(|| checked(reader)?.collect::<Result<Vec<RecordBatch>, _>>())?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let args = Args {
        target,
        out,
        threads,
        missing: missing.unwrap_or_else(default_missing),
        features,
        exclude,
        score: score.to_string(),
        top_values,
        unusual_rows,
        heatmap,
        thresholds: thresholds.unwrap_or_default(),
        drop_missing_target,
    };
    let start = Instant::now();
    let report = args.build(py, |_, _, sink| {
        drain(batches.iter().cloned().map(Ok), sink)
    })?;
    let input = serde_json::json!({
        "format": "arrow",
        "rows": rows,
        "dropped_missing_target": report.state.missing_target_rows(),
    });
    args.write(py, &report, &input, source, start)
}

/// The data-quality report of a file (or glob), written into `out`;
/// returns quality.json.
#[pyfunction]
#[pyo3(signature = (path, target, out, *, threads = None, missing = None, features = None, exclude = None, score = "adjusted", top_values = 10, unusual_rows = 20, heatmap = 15, thresholds = None, drop_missing_target = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_path(
    py: Python<'_>,
    path: PathBuf,
    target: String,
    out: PathBuf,
    threads: Option<i64>,
    missing: Option<Vec<String>>,
    features: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    score: &str,
    top_values: usize,
    unusual_rows: usize,
    heatmap: usize,
    thresholds: Option<BTreeMap<String, f64>>,
    drop_missing_target: bool,
) -> Result<String, Failure> {
    if let Some(names) = &exclude {
        // The reader would leave the target out: say what is wrong instead.
        cardrank::check_exclude(&target, names)?;
    }
    let source = path.display().to_string();
    let mut first: Option<Progress> = None;
    let args = Args {
        target: target.clone(),
        out,
        threads,
        missing: missing.unwrap_or_else(default_missing),
        features,
        // The reader leaves them out (and checks they exist).
        exclude: None,
        score: score.to_string(),
        top_values,
        unusual_rows,
        heatmap,
        thresholds: thresholds.unwrap_or_default(),
        drop_missing_target,
    };
    let start = Instant::now();
    let report = args.build(py, |which, columns, sink| {
        let opts = ReadOptions {
            columns: Projection {
                target: Some(target.clone()),
                features: columns,
                exclude: exclude.clone().unwrap_or_default(),
            },
            ..ReadOptions::default()
        };
        let source = cardrank_io::open(std::slice::from_ref(&path), &opts)
            .map_err(|e| Failure::from_io(e, &target))?;
        if which == Pass::First {
            first = Some(source.progress());
        }
        let batches = source.map(|b| b.map_err(|e| Failure::from_io(e, &target)));
        drain(batches, sink)
    })?;
    let input: InputReport = first.as_ref().map(Progress::report).unwrap_or_default();
    let mut input = serde_json::to_value(&input).map_err(|e| write_error_text(e.to_string()))?;
    if let Some(o) = input.as_object_mut() {
        let dropped = report.state.missing_target_rows();
        o.insert("dropped_missing_target".into(), dropped.into());
    }
    args.write(py, &report, &input, &source, start)
}

/// The report's missing tokens unless given: the empty field and `?`.
fn default_missing() -> Vec<String> {
    vec![String::new(), "?".to_string()]
}
