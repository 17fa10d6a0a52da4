//! The cardrank data-quality report, for the CLI (`cardrank report`) and
//! Python (`cardrank.report`).
//!
//! [`build`] makes the passes over the input (through the caller's closure,
//! so that files, standard input and in-memory batches all work): pass 1
//! ranks every feature and tracks every column's quality figures; pass 2,
//! when the input can be read again, scores each row's surprise (the most
//! unusual rows) and counts the pair tables of the redundancy heatmap.
//! [`write`] writes `quality.json`, `quality.tsv`, `ranking.json`,
//! `ranking.tsv`, `report.html` (one self-contained page, no script and no
//! network resource) and the charts as SVG under `plots/`.

use std::fs;
use std::path::{Path, PathBuf};

use cardrank::arrow_array::cast::AsArray;
use cardrank::arrow_array::RecordBatch;
use cardrank::quality::{QualityParams, QualityReport, RowScorer, TrackOptions};
use cardrank::{Interactions, PairSpec, RankParams, RankState, Ranker, Ranking};
use serde::Serialize;

pub mod html;
pub mod svg;

pub use html::Charts;

/// Features with more distinct values stay out of the heatmap: their pair
/// tables are large and their AMI with anything is near 0.
pub const HEATMAP_MAX_DISTINCT: u64 = 1000;

/// What to compute besides the per-column figures.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Most unusual rows listed (0: none, and no row scoring).
    pub unusual_rows: usize,
    /// Redundancy heatmap of the best K features with at most
    /// [`HEATMAP_MAX_DISTINCT`] values (0: none).
    pub heatmap: usize,
    /// Thresholds of the flags and the number of top values per column.
    pub quality: QualityParams,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            unusual_rows: 20,
            heatmap: 15,
            quality: QualityParams::default(),
        }
    }
}

/// The redundancy matrix behind the heatmap.
#[derive(Serialize, Debug, Clone)]
pub struct Heatmap {
    /// The features, best-ranked first.
    pub features: Vec<String>,
    /// AMI between each pair (1 on the diagonal).
    pub ami: Vec<Vec<f64>>,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Report {
    /// Every column's figures and flags, and the most unusual rows.
    pub quality: QualityReport,
    /// The ranking (none when the target is constant: the report still
    /// describes the columns).
    pub ranking: Option<Ranking>,
    /// The redundancy heatmap, if computed.
    pub heatmap: Option<Heatmap>,
    /// Why there is no heatmap, when there is none.
    pub heatmap_note: String,
    /// The state of pass 1 (for what folding did, say).
    pub state: RankState,
}

/// Which pass [`build`] asks its closure to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Every column.
    First,
    /// Only these columns (and the target) are needed.
    Second,
}

/// The report's missing tokens when none are given: the empty field and
/// `?` (the UCI convention of the shared data sets). `cardrank rank` keeps
/// only the empty field, so that its numbers equal scikit-learn's.
pub const REPORT_MISSING: &[&str] = &["", "?"];

/// Builds the report of an input, reading it through `pass(which, columns,
/// sink)`, which must hand every batch of the input to `sink`; `columns`
/// names the columns needed (`None`: every column). `read_once`, when the
/// input cannot be read a second time, says why (e.g. "standard input is
/// read once"): then there are no unusual rows and no heatmap, and the
/// report gives that reason.
pub fn build<E: From<cardrank::Error>>(
    params: RankParams,
    options: &ReportOptions,
    read_once: Option<&str>,
    mut pass: impl FnMut(
        Pass,
        Option<Vec<String>>,
        &mut dyn FnMut(&RecordBatch) -> Result<(), E>,
    ) -> Result<(), E>,
) -> Result<Report, E> {
    let mut ranker = Ranker::new(params.clone())?;
    ranker.track_quality(TrackOptions::default())?;
    let features = params.features.clone();
    // Multivalue (list) columns: scored per value in pass 2, but never in a
    // pair table (the heatmap).
    let mut lists: Option<Vec<String>> = None;
    pass(Pass::First, features, &mut |b| {
        lists.get_or_insert_with(|| list_columns(b));
        Ok(ranker.update(b)?)
    })?;
    let lists = lists.unwrap_or_default();
    let (ranking, why_not) = match ranker.finish() {
        Ok(r) => (Some(r), None),
        Err(e @ cardrank::Error::ConstantTarget { .. }) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let mut quality = QualityReport::from_state(
        ranker.state(),
        ranker.quality_tracker(),
        ranking.as_ref(),
        &options.quality,
    )?;
    quality.notes.extend(why_not);
    let state = ranker.into_state();
    let mut heatmap = None;
    let mut heatmap_note = String::from("Not computed (heatmap 0).");
    if let Some(why) = read_once {
        quality
            .notes
            .push(format!("{why}: no unusual rows and no redundancy heatmap"));
        heatmap_note = format!("Not computed: {why}.");
    } else if options.unusual_rows > 0 || options.heatmap > 0 {
        let scored = quality.anomaly_columns();
        let chosen: Vec<String> = match (&ranking, options.heatmap) {
            (Some(r), k) if k >= 2 => r
                .features
                .iter()
                .map(|f| f.feature.clone())
                .filter(|f| scored.contains(f) && !lists.contains(f))
                .filter(|f| {
                    quality
                        .column(f)
                        .is_some_and(|c| c.distinct <= HEATMAP_MAX_DISTINCT)
                })
                .take(k)
                .collect(),
            _ => Vec::new(),
        };
        let mut scorer = RowScorer::new(&state, &scored, options.unusual_rows)?;
        let mut pairs = if chosen.len() >= 2 {
            let mut p = params.features(&chosen).pairs(PairSpec::among(&chosen));
            p.max_distinct = None;
            Some(Ranker::new(p)?)
        } else {
            None
        };
        let mut wanted = scored.clone();
        wanted.extend(chosen.iter().filter(|c| !scored.contains(c)).cloned());
        let score_rows = options.unusual_rows > 0;
        pass(Pass::Second, Some(wanted), &mut |batch| {
            if score_rows {
                scorer.score_batch(batch)?;
            }
            if let Some(p) = pairs.as_mut() {
                p.update(batch)?;
            }
            Ok(())
        })?;
        quality.unusual_rows = scorer.finish();
        if options.heatmap > 0 {
            heatmap_note = if chosen.len() < 2 {
                "Not computed: fewer than two ranked features with at most 1,000 distinct values that are not ID-like, constant or folded.".into()
            } else {
                String::new()
            };
        }
        if let Some(p) = pairs {
            heatmap = Some(heatmap_of(&p.interactions()?, &chosen));
        }
    }
    Ok(Report {
        quality,
        ranking,
        heatmap,
        heatmap_note,
        state,
    })
}

/// The names of a batch's list (multivalue) columns.
fn list_columns(batch: &RecordBatch) -> Vec<String> {
    batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .filter(|(_, c)| c.as_list_opt::<i32>().is_some() || c.as_list_opt::<i64>().is_some())
        .map(|(f, _)| f.name().clone())
        .collect()
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

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

#[derive(Serialize)]
struct QualityJson<'a, I: Serialize> {
    source: &'a str,
    seconds: f64,
    input: &'a I,
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

fn pretty<T: Serialize>(value: &T, what: &str) -> Result<String, WriteError> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| WriteError {
            path: PathBuf::from(what),
            source: std::io::Error::other(e),
        })
}

/// `quality.json`: the report's figures with `source`, `seconds`, `input`
/// (what was read, as the caller describes it) and the heatmap.
pub fn quality_json<I: Serialize>(
    report: &Report,
    input: &I,
    source: &str,
    seconds: f64,
) -> Result<String, WriteError> {
    let j = QualityJson {
        source,
        seconds,
        input,
        report: &report.quality,
        redundancy: report.heatmap.as_ref(),
    };
    pretty(&j, "quality.json")
}

fn write_file(path: &Path, text: &str) -> Result<(), WriteError> {
    fs::write(path, text).map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
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

/// Writes every report file into `dir` (created if needed): quality.json,
/// quality.tsv, ranking.json and ranking.tsv (when ranked), report.html,
/// and plots/ranking.svg, plots/redundancy.svg, plots/columns/*.svg.
pub fn write<I: Serialize>(
    dir: &Path,
    report: &Report,
    input: &I,
    source: &str,
    seconds: f64,
) -> Result<(), WriteError> {
    let plots = dir.join("plots");
    let columns_dir = plots.join("columns");
    fs::create_dir_all(&columns_dir).map_err(|source| WriteError {
        path: columns_dir.clone(),
        source,
    })?;
    let quality = &report.quality;
    write_file(
        &dir.join("quality.json"),
        &quality_json(report, input, source, seconds)?,
    )?;
    write_file(&dir.join("quality.tsv"), &quality_tsv(quality))?;
    let ranking_svg = report.ranking.as_ref().map(|r| {
        let bars: Vec<svg::Bar> = r
            .features
            .iter()
            .take(30)
            .map(|f| svg::Bar {
                label: f.feature.clone(),
                value: f.adjusted,
                flag: quality.column(&f.feature).and_then(|c| {
                    let names: Vec<&str> = c.flags.iter().map(|f| f.flag.as_str()).collect();
                    (!names.is_empty()).then(|| names.join(", "))
                }),
            })
            .collect();
        svg::bar_chart(&bars, "Features by MI - EMI (top 30)", "MI - EMI (nats)")
    });
    if let (Some(r), Some(chart)) = (&report.ranking, &ranking_svg) {
        let j = RankingJson {
            source,
            seconds,
            ranking: r,
        };
        write_file(&dir.join("ranking.json"), &pretty(&j, "ranking.json")?)?;
        write_file(&dir.join("ranking.tsv"), &ranking_tsv(r))?;
        write_file(&plots.join("ranking.svg"), chart)?;
    }
    let heat_svg = report
        .heatmap
        .as_ref()
        .map(|h| svg::heatmap(&h.features, &h.ami, "Redundancy (AMI) of the best features"));
    if let Some(chart) = &heat_svg {
        write_file(&plots.join("redundancy.svg"), chart)?;
    }
    let mut histograms = Vec::with_capacity(quality.columns.len());
    for (i, c) in quality.columns.iter().enumerate() {
        let values: Vec<(String, u64, f64)> = c
            .top_values
            .iter()
            .map(|v| (v.value.clone(), v.count, v.share))
            .collect();
        let chart = svg::histogram(&values, &format!("{}: top values", c.name));
        write_file(&columns_dir.join(chart_name(i, &c.name)), &chart)?;
        histograms.push(chart);
    }
    let charts = Charts {
        ranking: ranking_svg,
        heatmap: heat_svg,
        heatmap_note: report.heatmap_note.clone(),
        histograms,
    };
    write_file(
        &dir.join("report.html"),
        &html::page(quality, &charts, source, seconds),
    )
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// A ranking as TSV: one line per feature, every measure.
pub fn ranking_tsv(ranking: &Ranking) -> String {
    let mut s = String::from(
        "rank\tfeature\tcardinality\tmissing_share\tentropy\tmi\texpected_mi\tami\tscore\tadjusted\tnull_sd\tz\tg_test_log10_p\tlog10_q\tgain\n",
    );
    for f in &ranking.features {
        s.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            f.rank,
            f.feature.replace(['\t', '\n'], " "),
            f.cardinality,
            f.missing_share,
            f.entropy,
            f.mi,
            f.expected_mi,
            f.ami,
            f.score,
            f.adjusted,
            opt(f.null_sd),
            opt(f.z),
            f.g_test_log10_p,
            opt(f.log10_q),
            opt(f.gain),
        ));
    }
    s
}

/// `quality.tsv`: one line per column, every figure, the flags last.
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
