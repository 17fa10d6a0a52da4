//! Writing rankings: a readable table, TSV and JSON.

use std::fs;
use std::io::Write;
use std::path::Path;

use cardrank::{FeatureScore, Ranking};
use serde::Serialize;

use crate::args::RankOptions;
use crate::error::CliError;
use crate::input::InputJson;

/// Facts about the run that go along with the ranking.
pub struct Meta {
    /// The input (a path, or a description of generated data).
    pub source: String,
    /// Wall time so far.
    pub seconds: f64,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    source: &'a str,
    seconds: f64,
    /// What was read and done to the input (formats, rows, sampling, folds).
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a InputJson>,
    #[serde(flatten)]
    ranking: &'a Ranking,
}

/// A per-feature note shown as an extra table column (the demo's truth).
pub type Notes<'a> = Option<&'a dyn Fn(&str) -> String>;

/// Prints the ranking (table or JSON) and writes `--out` files.
pub fn emit(
    ranking: &Ranking,
    meta: &Meta,
    opts: &RankOptions,
    notes: Notes<'_>,
) -> Result<(), CliError> {
    emit_with_input(ranking, meta, opts, notes, None)
}

/// [`emit`], with the report of what was done to the input: the `input`
/// object of the JSON, and lines under the table.
pub fn emit_with_input(
    ranking: &Ranking,
    meta: &Meta,
    opts: &RankOptions,
    notes: Notes<'_>,
    input: Option<&InputJson>,
) -> Result<(), CliError> {
    let mut shown = ranking.clone();
    if let Some(k) = opts.top {
        shown.features.truncate(k);
    }
    if let Some(dir) = &opts.out {
        write_files(&shown, meta, dir, input)?;
    }
    let text = if opts.json {
        json(&shown, meta, input)? + "\n"
    } else {
        let mut t = table(&shown, meta, notes);
        let lines = input.map(InputJson::notes).unwrap_or_default();
        for line in &lines {
            t.push_str(&format!("\nnote: {line}"));
        }
        if !lines.is_empty() {
            t.push('\n');
        }
        t
    };
    print(&text)
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| CliError::output("to stdout", e))
}

fn json(ranking: &Ranking, meta: &Meta, input: Option<&InputJson>) -> Result<String, CliError> {
    let j = JsonOut {
        source: &meta.source,
        seconds: meta.seconds,
        input,
        ranking,
    };
    serde_json::to_string_pretty(&j).map_err(|e| CliError::output("JSON", std::io::Error::other(e)))
}

fn write_files(
    ranking: &Ranking,
    meta: &Meta,
    dir: &Path,
    input: Option<&InputJson>,
) -> Result<(), CliError> {
    fs::create_dir_all(dir).map_err(|e| CliError::output(dir.display().to_string(), e))?;
    let tsv_path = dir.join("ranking.tsv");
    fs::write(&tsv_path, tsv(ranking))
        .map_err(|e| CliError::output(tsv_path.display().to_string(), e))?;
    let json_path = dir.join("ranking.json");
    fs::write(&json_path, json(ranking, meta, input)? + "\n")
        .map_err(|e| CliError::output(json_path.display().to_string(), e))
}

/// Every field, tab-separated, one feature per line.
pub fn tsv(ranking: &Ranking) -> String {
    cardrank_report::ranking_tsv(ranking)
}

/// `v` with `digits` decimals, never as a negative zero (`-0.000000` for
/// -0.0 or -1e-9): a value that rounds to zero is shown as zero.
pub fn fixed(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

fn row(f: &FeatureScore, width: usize) -> String {
    format!(
        "{:>4}  {:<width$}  {:>11}  {:>7.1}%  {:>9}  {:>9}  {:>10}  {:>8}  {:>8}",
        f.rank,
        f.feature,
        f.cardinality,
        100.0 * f.missing_share,
        fixed(f.mi, 5),
        fixed(f.expected_mi, 5),
        fixed(f.adjusted, 6),
        fixed(f.ami, 5),
        f.z.map(|z| format!("{z:.1}")).unwrap_or_else(|| "-".into()),
    )
}

/// The human-readable table.
pub fn table(ranking: &Ranking, meta: &Meta, notes: Notes<'_>) -> String {
    let width = ranking
        .features
        .iter()
        .map(|f| f.feature.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    let mut s = format!(
        "{} rows, target `{}` ({} classes, H = {:.4} nats), ranked by {} in {:.2} s\n\n",
        ranking.rows,
        ranking.target,
        ranking.classes,
        ranking.target_entropy,
        ranking.score_name,
        meta.seconds
    );
    s.push_str(&format!(
        "{:>4}  {:<width$}  {:>11}  {:>8}  {:>9}  {:>9}  {:>10}  {:>8}  {:>8}",
        "rank", "feature", "cardinality", "missing", "mi", "expected", "mi-emi", "ami", "z"
    ));
    if notes.is_some() {
        s.push_str("  truth");
    }
    s.push('\n');
    for f in &ranking.features {
        s.push_str(&row(f, width));
        if let Some(n) = notes {
            s.push_str("  ");
            s.push_str(&n(&f.feature));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn no_negative_zero() {
        assert_eq!(fixed(-0.0, 6), "0.000000");
        assert_eq!(fixed(-4e-9, 6), "0.000000");
        assert_eq!(fixed(-4e-9, 0), "0");
        assert_eq!(fixed(-1e-5, 6), "-0.000010");
        assert_eq!(fixed(0.25, 2), "0.25");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(f64::NEG_INFINITY, 3), "-inf");
    }
}
