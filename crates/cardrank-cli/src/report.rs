//! `cardrank report`: the data-quality report of one input.
//!
//! Pass 1 ranks every feature with the quality tracker on (partition hashes
//! and drift counts, see `cardrank::quality`). Pass 2 (skipped for standard
//! input) scores every row's surprise against the value counts and counts
//! the pairs among the best-ranked features for the redundancy heatmap.
//! Writes quality.tsv, quality.json, ranking.tsv, ranking.json, report.html
//! and the charts as plots/*.svg into `--out`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cardrank::arrow_array::RecordBatch;
use cardrank::quality::{QualityParams, QualityReport, RowScorer, TrackOptions, THRESHOLD_NAMES};
use cardrank::{Interactions, PairSpec, RankParams, Ranker, Ranking};
use cardrank_io::BatchSource;
use clap::Args;
use serde::Serialize;

use crate::error::CliError;
use crate::html::{self, Charts};
use crate::input::{self, InputArgs, InputJson};
use crate::rank::{consume, parse_delimiter, progress_bar};
use crate::svg::{self, Bar};

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
    /// Worker threads (default: CARDRANK_THREADS, else all cores).
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

/// Features with more distinct values stay out of the heatmap: their pair
/// tables are large and their AMI with anything is near 0.
const HEATMAP_MAX_DISTINCT: u64 = 1000;

/// The redundancy matrix behind the heatmap.
#[derive(Serialize, Debug, Clone)]
pub struct Heatmap {
    /// The features, best-ranked first.
    pub features: Vec<String>,
    /// AMI between each pair (1 on the diagonal).
    pub ami: Vec<Vec<f64>>,
}

#[derive(Serialize)]
struct QualityJson<'a> {
    source: &'a str,
    seconds: f64,
    input: &'a InputJson,
    #[serde(flatten)]
    report: &'a QualityReport,
    redundancy: Option<&'a Heatmap>,
}

#[derive(Serialize)]
struct RankingJson<'a> {
    source: &'a str,
    seconds: f64,
    #[serde(flatten)]
    ranking: &'a Ranking,
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

fn open(a: &ReportArgs, features: Option<Vec<String>>) -> Result<Box<dyn BatchSource>, CliError> {
    let delimiter = a.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let missing = if a.missing.is_empty() {
        vec![String::new(), "?".to_string()]
    } else {
        a.missing.clone()
    };
    let (read, transforms) = input::options(
        &a.input,
        &a.target,
        delimiter,
        &missing,
        features,
        a.exclude.clone(),
        a.batch_size,
    )?;
    Ok(cardrank_io::open_with(&a.files, &read, &transforms)?)
}

/// Runs `cardrank report`.
pub fn run(a: &ReportArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let (params, qparams) = params_of(a)?;
    let mut ranker = Ranker::new(params.clone())?;
    ranker.track_quality(TrackOptions::default())?;
    let reader = open(a, a.features.clone())?;
    let progress = reader.progress();
    let bar = progress_bar(&progress, a.quiet);
    consume(reader, &mut ranker, &bar)?;
    bar.finish_and_clear();
    let (ranking, why_not) = match ranker.finish() {
        Ok(r) => (Some(r), None),
        Err(e @ cardrank::Error::ConstantTarget { .. }) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let state = ranker.state();
    let mut report =
        QualityReport::from_state(state, ranker.quality_tracker(), ranking.as_ref(), &qparams)?;
    report.notes.extend(why_not);
    let input = InputJson::new(
        progress.report(),
        a.input.max_distinct,
        cardrank::fold_report(state),
    );
    let stdin = a.files.iter().any(|f| f.as_os_str() == "-");
    let mut heat = None;
    let mut heat_note = String::from("Not computed (--heatmap 0).");
    if stdin {
        report
            .notes
            .push("standard input is read once: no unusual rows and no redundancy heatmap".into());
        heat_note = "Not computed: standard input is read once.".into();
    } else if a.unusual_rows > 0 || a.heatmap > 0 {
        let scored = report.anomaly_columns();
        let chosen: Vec<String> = match (&ranking, a.heatmap) {
            (Some(r), k) if k >= 2 => r
                .features
                .iter()
                .map(|f| f.feature.clone())
                .filter(|f| scored.contains(f))
                .filter(|f| {
                    report
                        .column(f)
                        .is_some_and(|c| c.distinct <= HEATMAP_MAX_DISTINCT)
                })
                .take(k)
                .collect(),
            _ => Vec::new(),
        };
        let (rows, h) = second_pass(a, &params, state, &scored, &chosen)?;
        report.unusual_rows = rows;
        if a.heatmap > 0 {
            heat_note = if chosen.len() < 2 {
                "Not computed: fewer than two ranked features with at most 1,000 distinct values that are not ID-like, constant or folded.".into()
            } else {
                String::new()
            };
        }
        heat = h;
    }
    let seconds = start.elapsed().as_secs_f64();
    let source = input::source_name(&a.files);
    write_outputs(
        a,
        &report,
        ranking.as_ref(),
        heat.as_ref(),
        &heat_note,
        &input,
        &source,
        seconds,
    )?;
    let text = if a.json {
        quality_json(&report, heat.as_ref(), &input, &source, seconds)? + "\n"
    } else {
        summary(&report, &a.out, ranking.is_some())
    };
    crate::output::print(&text)
}

/// Pass 2: row surprise and the pair tables of the heatmap.
fn second_pass(
    a: &ReportArgs,
    params: &RankParams,
    state: &cardrank::RankState,
    scored: &[String],
    chosen: &[String],
) -> Result<(Vec<cardrank::quality::UnusualRow>, Option<Heatmap>), CliError> {
    let mut scorer = RowScorer::new(state, scored, a.unusual_rows)?;
    let mut pairs = if chosen.len() >= 2 {
        let mut p = params
            .clone()
            .features(chosen)
            .pairs(PairSpec::among(chosen));
        p.max_distinct = None;
        Some(Ranker::new(p)?)
    } else {
        None
    };
    let mut wanted: Vec<String> = scored.to_vec();
    wanted.extend(chosen.iter().filter(|c| !scored.contains(c)).cloned());
    let reader = open(a, Some(wanted))?;
    let bar = progress_bar(&reader.progress(), a.quiet);
    // Read on a second thread while this one scores and counts.
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        s.spawn(move || {
            for item in reader {
                let stop = item.is_err();
                if tx.send(item).is_err() || stop {
                    break;
                }
            }
        });
        for item in rx {
            let batch: RecordBatch = item?;
            if a.unusual_rows > 0 {
                scorer.score_batch(&batch)?;
            }
            if let Some(p) = pairs.as_mut() {
                p.update(&batch)?;
            }
            bar.tick();
        }
        Ok::<(), CliError>(())
    })?;
    bar.finish_and_clear();
    let heat = match pairs {
        Some(p) => Some(heatmap_of(&p.interactions()?, chosen)),
        None => None,
    };
    Ok((scorer.finish(), heat))
}

fn heatmap_of(found: &Interactions, chosen: &[String]) -> Heatmap {
    let n = chosen.len();
    let mut ami = vec![vec![0.0; n]; n];
    for (i, row) in ami.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let index = |name: &str| chosen.iter().position(|c| c == name);
    for r in &found.redundancy {
        if let (Some(i), Some(j)) = (
            r.features.first().and_then(|f| index(f)),
            r.features.get(1).and_then(|f| index(f)),
        ) {
            let v = r.ami.clamp(0.0, 1.0);
            ami[i][j] = v;
            ami[j][i] = v;
        }
    }
    Heatmap {
        features: chosen.to_vec(),
        ami,
    }
}

fn quality_json(
    report: &QualityReport,
    heat: Option<&Heatmap>,
    input: &InputJson,
    source: &str,
    seconds: f64,
) -> Result<String, CliError> {
    let j = QualityJson {
        source,
        seconds,
        input,
        report,
        redundancy: heat,
    };
    serde_json::to_string_pretty(&j).map_err(|e| CliError::output("JSON", std::io::Error::other(e)))
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    fs::write(path, text).map_err(|e| CliError::output(path.display().to_string(), e))
}

/// A file name for a column's chart: its position and a safe form of its name.
fn chart_name(i: usize, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{i:03}-{safe}.svg")
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    a: &ReportArgs,
    report: &QualityReport,
    ranking: Option<&Ranking>,
    heat: Option<&Heatmap>,
    heat_note: &str,
    input: &InputJson,
    source: &str,
    seconds: f64,
) -> Result<(), CliError> {
    let dir = &a.out;
    let plots = dir.join("plots");
    let columns_dir = plots.join("columns");
    fs::create_dir_all(&columns_dir)
        .map_err(|e| CliError::output(columns_dir.display().to_string(), e))?;
    write(
        &dir.join("quality.json"),
        &(quality_json(report, heat, input, source, seconds)? + "\n"),
    )?;
    write(&dir.join("quality.tsv"), &quality_tsv(report))?;
    let ranking_svg = ranking.map(|r| {
        let bars: Vec<Bar> = r
            .features
            .iter()
            .take(30)
            .map(|f| Bar {
                label: f.feature.clone(),
                value: f.adjusted,
                flag: report.column(&f.feature).and_then(|c| {
                    let names: Vec<&str> = c.flags.iter().map(|f| f.flag.as_str()).collect();
                    (!names.is_empty()).then(|| names.join(", "))
                }),
            })
            .collect();
        svg::bar_chart(&bars, "Features by MI - EMI (top 30)", "MI - EMI (nats)")
    });
    if let (Some(r), Some(svg)) = (ranking, &ranking_svg) {
        let j = RankingJson {
            source,
            seconds,
            ranking: r,
        };
        let text = serde_json::to_string_pretty(&j)
            .map_err(|e| CliError::output("JSON", std::io::Error::other(e)))?;
        write(&dir.join("ranking.json"), &(text + "\n"))?;
        write(&dir.join("ranking.tsv"), &crate::output::tsv(r))?;
        write(&plots.join("ranking.svg"), svg)?;
    }
    let heat_svg =
        heat.map(|h| svg::heatmap(&h.features, &h.ami, "Redundancy (AMI) of the best features"));
    if let Some(svg) = &heat_svg {
        write(&plots.join("redundancy.svg"), svg)?;
    }
    let mut histograms = Vec::with_capacity(report.columns.len());
    for (i, c) in report.columns.iter().enumerate() {
        let values: Vec<(String, u64, f64)> = c
            .top_values
            .iter()
            .map(|v| (v.value.clone(), v.count, v.share))
            .collect();
        let chart = svg::histogram(&values, &format!("{}: top values", c.name));
        write(&columns_dir.join(chart_name(i, &c.name)), &chart)?;
        histograms.push(chart);
    }
    let charts = Charts {
        ranking: ranking_svg,
        heatmap: heat_svg,
        heatmap_note: heat_note.to_string(),
        histograms,
    };
    write(
        &dir.join("report.html"),
        &html::page(report, &charts, source, seconds),
    )
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// One line per column, every figure, the flags last.
pub fn quality_tsv(r: &QualityReport) -> String {
    let mut s = String::from(
        "column\trole\trank\trows\tmissing\tmissing_share\tcardinality\tdistinct\tdistinct_exact\tdistinct_rel_std_error\trows_per_value\tentropy\ttop_share\ttop_value\tsingletons\trare_values\trare_rows\tbytes_per_value\tnumeric_min\tnumeric_median\tnumeric_max\tnumeric_mean\tmi\texpected_mi\tadjusted\tleak_share\tdrift_psi\tdrift_z\tduplicate_of\tflags\n",
    );
    let clean = |t: &str| t.replace(['\t', '\n', '\r'], " ");
    for c in &r.columns {
        let n = c.numeric.as_ref();
        let median = n.and_then(|n| n.quantiles.iter().find(|q| q.q == 0.5).map(|q| q.value));
        let flags: Vec<&str> = c.flags.iter().map(|f| f.flag.as_str()).collect();
        let fields = [
            clean(&c.name),
            format!("{:?}", c.role).to_lowercase(),
            c.rank.map(|r| r.to_string()).unwrap_or_default(),
            c.rows.to_string(),
            c.missing.to_string(),
            c.missing_share.to_string(),
            c.cardinality.to_string(),
            c.distinct.to_string(),
            c.distinct_exact.to_string(),
            opt(c.distinct_rel_std_error),
            c.rows_per_value.to_string(),
            c.entropy.to_string(),
            c.top_share.to_string(),
            clean(c.top_values.first().map_or("", |v| v.value.as_str())),
            c.singletons.to_string(),
            c.rare_values.to_string(),
            c.rare_rows.to_string(),
            c.bytes_per_value.to_string(),
            opt(n.map(|n| n.min)),
            opt(median),
            opt(n.map(|n| n.max)),
            opt(n.map(|n| n.mean)),
            opt(c.mi),
            opt(c.expected_mi),
            opt(c.adjusted),
            opt(c.leak_share),
            opt(c.drift.as_ref().map(|d| d.psi)),
            opt(c.drift.as_ref().and_then(|d| d.z)),
            clean(c.duplicate_of.as_deref().unwrap_or("")),
            flags.join(","),
        ];
        s.push_str(&fields.join("\t"));
        s.push('\n');
    }
    s
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
                svg::truncate(&c.name, 40),
                f.flag,
                svg::short(f.observed),
                f.figure,
                f.op,
                svg::short(f.threshold)
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
