//! `cardrank report`: the data-quality report of one input.
//!
//! Pass 1 ranks every feature with the quality tracker on (partition hashes
//! and drift counts, see `cardrank::quality`). Pass 2 (skipped for standard
//! input) scores every row's surprise against the value counts and counts
//! the pairs among the best-ranked features for the redundancy heatmap.
//! Writes quality.tsv, quality.json, ranking.tsv, ranking.json, report.html
//! and the charts as plots/*.svg into `--out`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cardrank::quality::{QualityParams, QualityReport, THRESHOLD_NAMES};
use cardrank::RankParams;
use cardrank_io::BatchSource;
use cardrank_report::{Pass, ReportOptions};
use clap::Args;

use crate::error::CliError;
use crate::input::{self, InputArgs, InputJson};
use crate::rank::{each_batch, parse_delimiter, progress_bar};

/// Options of `cardrank report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Input files or glob patterns (`-` reads standard input, once: then
    /// there are no unusual rows and no heatmap).
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The target (label) column.
    #[arg(long, short)]
    pub target: String,
    /// Write the report into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Field delimiter (default: tab for .tsv/.tab, else comma).
    #[arg(long, short, value_name = "C")]
    pub delimiter: Option<String>,
    /// A value that counts as missing (repeatable). Default for the report:
    /// the empty field and `?` (pass `--missing ''` for only the empty
    /// field, as `cardrank rank` does).
    #[arg(long, value_name = "TOKEN")]
    pub missing: Vec<String>,
    /// Only these features (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub features: Option<Vec<String>>,
    /// Leave these features out (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub exclude: Vec<String>,
    /// Rows per batch.
    #[arg(long, default_value_t = 65_536, value_name = "ROWS")]
    pub batch_size: usize,
    #[command(flatten)]
    pub input: InputArgs,
    /// Worker threads, 1 to 1024 (default: CARDRANK_THREADS, else all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Rank by this score: adjusted (MI - EMI), mi, ami, z.
    #[arg(long, default_value = "adjusted", value_name = "SCORE")]
    pub score: String,
    /// Most frequent values listed per column.
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub top_values: usize,
    /// Most unusual rows listed (a second pass; 0 for none).
    #[arg(long, default_value_t = 20, value_name = "K")]
    pub unusual_rows: usize,
    /// Redundancy heatmap of the best K features with at most 1,000
    /// distinct values (pairs counted in the second pass; 0 for none).
    #[arg(long, default_value_t = 15, value_name = "K")]
    pub heatmap: usize,
    /// Change a flag's threshold, NAME=VALUE (repeatable); names:
    /// near_constant, mostly_missing, id_like_rows_per_value, label_leak,
    /// drift_psi, drift_z, rare_count, rare_share.
    #[arg(long, value_name = "NAME=VALUE")]
    pub threshold: Vec<String>,
    /// Print quality.json to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn params_of(a: &ReportArgs) -> Result<(RankParams, QualityParams), CliError> {
    let missing = if a.missing.is_empty() {
        vec![String::new(), "?".to_string()]
    } else {
        a.missing.clone()
    };
    let mut p = RankParams::new(&a.target)
        .missing(&missing)
        .score(a.score.parse()?);
    if let Some(t) = a.threads {
        p = p.threads(t);
    }
    if let Some(f) = &a.features {
        p = p.features(f);
    }
    if let Some(k) = a.input.max_distinct {
        p = p.max_distinct(k);
    }
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

fn open(
    a: &ReportArgs,
    which: Pass,
    features: Option<Vec<String>>,
) -> Result<Box<dyn BatchSource>, CliError> {
    let delimiter = a.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let missing = if a.missing.is_empty() {
        vec![String::new(), "?".to_string()]
    } else {
        a.missing.clone()
    };
    let second = (which == Pass::Second).then(|| features.clone()).flatten();
    let (read, mut transforms) = input::options(
        &a.input,
        &a.target,
        delimiter,
        &missing,
        features,
        a.exclude.clone(),
        a.batch_size,
    )?;
    if let Some(w) = second {
        // Pass 2 reads only the columns it scores: split only those.
        transforms.multivalue.retain(|(c, _)| w.contains(c));
    }
    Ok(cardrank_io::open_with(&a.files, &read, &transforms)?)
}

/// Runs `cardrank report`.
pub fn run(a: &ReportArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let (params, quality) = params_of(a)?;
    let options = ReportOptions {
        unusual_rows: a.unusual_rows,
        heatmap: a.heatmap,
        quality,
    };
    let stdin = a.files.iter().any(|f| f.as_os_str() == "-");
    let mut progress = None;
    let report = cardrank_report::build(
        params,
        &options,
        stdin.then_some("standard input is read once"),
        |which, columns, sink| {
            let reader = open(a, which, columns)?;
            if which == Pass::First {
                progress = Some(reader.progress());
            }
            let bar = progress_bar(&reader.progress(), a.quiet);
            each_batch(reader, &bar, |batch| sink(batch))?;
            bar.finish_and_clear();
            Ok::<(), CliError>(())
        },
    )?;
    let input = InputJson::new(
        progress.map(|p| p.report()).unwrap_or_default(),
        a.input.max_distinct,
        cardrank::fold_report(&report.state),
    );
    let seconds = start.elapsed().as_secs_f64();
    let source = input::source_name(&a.files);
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
