//! `cardrank report`: the data-quality report of one input.
//!
//! Pass 1 ranks every feature with the quality tracker on (partition hashes
//! and drift counts, see `cardrank::quality`). Pass 2 (skipped for standard
//! input) scores every row's surprise against the value counts and counts
//! the pairs among the best-ranked features for the redundancy heatmap.
//! Writes quality.tsv, quality.json, ranking.tsv, ranking.json, report.html
//! and the charts as plots/*.svg into `--out`.

use std::path::Path;
use std::time::Instant;

use cardrank::quality::{QualityParams, QualityReport, THRESHOLD_NAMES};
use cardrank::RankParams;
use cardrank_report::{Pass, ReportOptions, REPORT_MISSING};
use cardrank_run::{each_batch, RunSpec, Watch};

use crate::args::ReportArgs;
use crate::error::CliError;
use crate::input::InputJson;
use crate::watch::Bar;

fn params_of(a: &ReportArgs, spec: &RunSpec) -> Result<(RankParams, QualityParams), CliError> {
    let p = spec.params(REPORT_MISSING);
    let mut q = QualityParams {
        top_values: a.top_values,
        ..QualityParams::default()
    };
    for spec in &a.threshold {
        let (name, value) = spec.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "invalid --threshold `{spec}`: expected NAME=VALUE, NAME one of {}",
                THRESHOLD_NAMES.join(", ")
            ))
        })?;
        let value: f64 = value.trim().parse().map_err(|_| {
            CliError::Usage(format!(
                "invalid --threshold `{spec}`: `{value}` is not a number"
            ))
        })?;
        q.thresholds.set(name.trim(), value)?;
    }
    Ok((p, q))
}

/// Runs `cardrank report`.
pub fn run(a: &ReportArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let spec = a.spec()?;
    let (params, quality) = params_of(a, &spec)?;
    let options = ReportOptions {
        unusual_rows: a.unusual_rows,
        heatmap: a.heatmap,
        quality,
    };
    let stdin = spec.reads_stdin();
    let mut progress = None;
    let bar = Bar::new(a.quiet);
    let report = cardrank_report::build(
        params,
        &options,
        stdin.then_some("standard input is read once"),
        |which, columns, sink: &mut dyn FnMut(&_) -> Result<(), CliError>| {
            let (read, transforms) = spec.reader(REPORT_MISSING, columns.as_deref())?;
            let reader = cardrank_io::open_with(&spec.inputs, &read, &transforms)?;
            if which == Pass::First {
                progress = Some(reader.progress());
            }
            bar.start(&reader.progress());
            let done = each_batch(reader, &bar, |batch| sink(batch));
            bar.done();
            done
        },
    )?;
    let input = InputJson::new(
        progress.map(|p| p.report()).unwrap_or_default(),
        a.input.max_distinct,
        cardrank::fold_report(&report.state),
    )
    .with_missing_target_rows(report.state.missing_target_rows());
    let seconds = start.elapsed().as_secs_f64();
    let source = spec.source_name();
    cardrank_report::write(&a.out, &report, &input, &source, seconds)
        .map_err(|e| CliError::output(e.path.display().to_string(), e.source))?;
    let text = if a.json {
        cardrank_report::quality_json(&report, &input, &source, seconds)
            .map_err(|e| CliError::output(e.path.display().to_string(), e.source))?
    } else {
        summary(&report.quality, &a.out, report.ranking.is_some())
    };
    crate::output::print(&text)
}

/// The readable summary on stdout: every flag, then where the files are.
fn summary(r: &QualityReport, dir: &Path, ranked: bool) -> String {
    let flagged = r.columns.iter().filter(|c| !c.flags.is_empty()).count();
    let mut s = format!(
        "{} rows, {} features, target `{}`: {} of {} columns flagged\n",
        r.rows,
        r.columns.len().saturating_sub(1),
        r.target,
        flagged,
        r.columns.len()
    );
    let width = r
        .flagged()
        .map(|(c, _)| c.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 40);
    if flagged > 0 {
        s.push_str(&format!(
            "\n{:<width$}  {:<14}  {:>12}  rule\n",
            "column", "flag", "observed"
        ));
        for (c, f) in r.flagged() {
            s.push_str(&format!(
                "{:<width$}  {:<14}  {:>12}  {} {} {}\n",
                cardrank_report::svg::truncate(&c.name, 40),
                f.flag,
                cardrank_report::svg::short(f.observed),
                f.figure,
                f.op,
                cardrank_report::svg::short(f.threshold)
            ));
        }
    }
    for n in &r.notes {
        s.push_str(&format!("\nnote: {n}"));
    }
    if !r.notes.is_empty() {
        s.push('\n');
    }
    s.push_str(&format!(
        "\nwrote {}: report.html, quality.json, quality.tsv, {}plots/\n",
        dir.display(),
        if ranked {
            "ranking.json, ranking.tsv, "
        } else {
            ""
        }
    ));
    s
}
