//! `cardrank.report`: the data-quality report from Python, built and written
//! by `cardrank_report` exactly as `cardrank report` does.
//!
//! In-memory Arrow data is read once into record batches (no copy of column
//! buffers) so that the second pass (unusual rows, redundancy heatmap) can
//! walk it again; a file is reopened for the second pass.

use std::path::{Path, PathBuf};
use std::time::Instant;

use arrow_array::RecordBatch;
use cardrank::quality::QualityParams;
use cardrank_io::{InputReport, Progress};
use cardrank_report::{Pass, Report, ReportOptions, REPORT_MISSING};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::input::read_all;
use crate::options::Options;
use crate::pairs::drain;

/// Builds the report (the passes run without the GIL).
fn build(
    py: Python<'_>,
    o: &Options,
    params: cardrank::RankParams,
    mut pass: impl FnMut(
            Pass,
            Option<Vec<String>>,
            &mut dyn FnMut(&RecordBatch) -> Result<(), Failure>,
        ) -> Result<(), Failure>
        + Send,
) -> Result<Report, Failure> {
    let mut quality = QualityParams {
        top_values: o.top_values.unwrap_or(10),
        ..QualityParams::default()
    };
    for (name, value) in o.thresholds.iter().flatten() {
        quality.thresholds.set(name, *value)?;
    }
    let options = ReportOptions {
        unusual_rows: o.unusual_rows.unwrap_or(20),
        heatmap: o.heatmap.unwrap_or(15),
        quality,
    };
    py.detach(|| cardrank_report::build(params, &options, None, &mut pass))
}

/// Writes the report files into `out`; returns quality.json.
fn write<S: serde::Serialize + Sync>(
    py: Python<'_>,
    out: &Path,
    report: &Report,
    input: &S,
    source: &str,
    start: Instant,
) -> Result<String, Failure> {
    let seconds = start.elapsed().as_secs_f64();
    py.detach(|| -> Result<String, Failure> {
        cardrank_report::write(out, report, input, source, seconds).map_err(write_error)?;
        cardrank_report::quality_json(report, input, source, seconds).map_err(write_error)
    })
}

/// `cardrank.WriteError` (an `OSError`), as the CLI's exit 1.
fn write_error(e: cardrank_report::WriteError) -> Failure {
    Failure::Named("WriteError", format!("cannot write the report: {e}"))
}

/// The report's missing tokens unless given: the empty field and `?`.
fn with_report_missing(mut o: Options) -> Options {
    if o.missing.is_none() {
        o.missing = Some(REPORT_MISSING.iter().map(|s| s.to_string()).collect());
    }
    o
}

/// The data-quality report of Arrow data, written into `out`; returns
/// quality.json.
#[pyfunction]
#[pyo3(signature = (data, target, out, **options))]
pub(crate) fn report(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: String,
    out: PathBuf,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<String, Failure> {
    let o = with_report_missing(Options::from_kwargs(options)?);
    let (batches, _) = read_all(py, data, &target, &o)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let start = Instant::now();
    let params = o.params(target)?;
    let report = build(py, &o, params, |_, _, sink| {
        drain(batches.iter().cloned().map(Ok), sink)
    })?;
    let input = serde_json::json!({ "format": "arrow", "rows": rows });
    let source = o.source.as_deref().unwrap_or("in-memory table");
    write(py, &out, &report, &input, source, start)
}

/// The data-quality report of a file (or glob), read with the options'
/// read options, written into `out`; returns quality.json.
#[pyfunction]
#[pyo3(signature = (path, target, out, **options))]
pub(crate) fn report_path(
    py: Python<'_>,
    path: PathBuf,
    target: String,
    out: PathBuf,
    options: Option<&Bound<'_, PyDict>>,
) -> Result<String, Failure> {
    let o = with_report_missing(Options::from_kwargs(options)?);
    let spec = o.spec(path, target)?;
    // The reader leaves `exclude` out (and checks those columns exist).
    let params = spec.params(REPORT_MISSING);
    let mut first: Option<Progress> = None;
    let source = spec.source_name();
    let target = spec.target.clone();
    let start = Instant::now();
    let report = build(py, &o, params, |which, columns, sink| {
        let (read, transforms) = spec
            .reader(REPORT_MISSING, columns.as_deref())
            .map_err(|e| Failure::from_run(e, &target))?;
        let source = cardrank_io::open_with(&spec.inputs, &read, &transforms)
            .map_err(|e| Failure::from_io(e, &target))?;
        if which == Pass::First {
            first = Some(source.progress());
        }
        let batches = source.map(|b| b.map_err(|e| Failure::from_io(e, &target)));
        drain(batches, sink)
    })?;
    let input: InputReport = first.as_ref().map(Progress::report).unwrap_or_default();
    write(py, &out, &report, &input, &source, start)
}
