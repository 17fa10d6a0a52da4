//! Input options of `cardrank rank` (formats, transforms, bad rows, memory
//! budget) and the report of what was done to the input.

use std::path::PathBuf;

use cardrank::FoldInfo;
use cardrank_io::{
    CsvOptions, Format, InputReport, NumericMode, Projection, ReadOptions, Transforms, VwOptions,
};
use clap::Args;
use serde::Serialize;

use crate::error::CliError;

/// How to read the input.
#[derive(Args, Debug, Clone, Default)]
pub struct InputArgs {
    /// Input format: csv, tsv, parquet, ipc, vw (default: recognised from the
    /// first bytes, then the name; otherwise CSV).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Numeric columns: none (each value a category), quantile:K (K bins
    /// between quantile edges; files are read twice), log or log:B (a bin
    /// per power of B).
    #[arg(long, default_value = "none", value_name = "MODE")]
    pub numeric: String,
    /// A column holding several values per field, and their separator:
    /// `tags:;` or `tags:space` (repeatable). Each value is one occurrence.
    #[arg(long, value_name = "COL:SEP")]
    pub multivalue: Vec<String>,
    /// Rank a reproducible sample of this share of the rows, in (0, 1].
    #[arg(long, value_name = "R")]
    pub sample_rate: Option<f64>,
    /// Seed of the sampling hash.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Keep at most K distinct values per feature; the rarest fold into one
    /// `<other>` level, reported in the output.
    #[arg(long, value_name = "K")]
    pub max_distinct: Option<usize>,
    /// Skip rows with the wrong number of fields, invalid UTF-8 or (VW) no
    /// label, and report how many, instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Vowpal Wabbit namespace names: `a=user,b=site`, or a file with one
    /// `namespace=column` per line.
    #[arg(long, value_name = "MAP")]
    pub vw_namespaces: Option<String>,
}

/// Parses `--multivalue COL:SEP` (the separator may be `space`, `tab`,
/// `\t`, `comma`, `pipe`, `semicolon` or the characters themselves).
fn parse_multivalue(spec: &str) -> Result<(String, String), CliError> {
    let (col, sep) = spec.split_once(':').ok_or_else(|| {
        CliError::Usage(format!(
            "invalid --multivalue `{spec}`: expected COLUMN:SEPARATOR, e.g. tags:;"
        ))
    })?;
    let sep = match sep {
        "space" => " ",
        "tab" | "\\t" => "\t",
        "comma" => ",",
        "pipe" => "|",
        "semicolon" => ";",
        s => s,
    };
    if col.is_empty() || sep.is_empty() {
        return Err(CliError::Usage(format!(
            "invalid --multivalue `{spec}`: empty column or separator"
        )));
    }
    Ok((col.to_string(), sep.to_string()))
}

/// Reader and transform options for a ranking of `target`.
#[allow(clippy::too_many_arguments)]
pub fn options(
    input: &InputArgs,
    target: &str,
    delimiter: Option<u8>,
    missing: &[String],
    features: Option<Vec<String>>,
    exclude: Vec<String>,
    batch_size: usize,
) -> Result<(ReadOptions, Transforms), CliError> {
    // The reader would leave the target out, and the error would be a
    // missing target: say what is wrong instead.
    cardrank::check_exclude(target, &exclude)?;
    let format = input
        .format
        .as_deref()
        .map(str::parse::<Format>)
        .transpose()?;
    let numeric: NumericMode = input.numeric.parse()?;
    let vw = match &input.vw_namespaces {
        Some(spec) => VwOptions::parse_map(spec)?,
        None => VwOptions::default(),
    };
    let read = ReadOptions {
        format,
        csv: CsvOptions {
            delimiter,
            batch_size,
            skip_bad_rows: input.skip_bad_rows,
            ..CsvOptions::default()
        },
        columns: Projection {
            target: Some(target.to_string()),
            features,
            exclude,
        },
        vw,
    };
    let transforms = Transforms {
        target: Some(target.to_string()),
        numeric,
        multivalue: input
            .multivalue
            .iter()
            .map(|s| parse_multivalue(s))
            .collect::<Result<_, _>>()?,
        sample_rate: input.sample_rate,
        seed: input.seed,
        missing: if missing.is_empty() {
            vec![String::new()]
        } else {
            missing.to_vec()
        },
    };
    Ok((read, transforms))
}

/// The output's `input` object: what was read and done to it.
#[derive(Serialize, Debug)]
pub struct InputJson {
    #[serde(flatten)]
    report: InputReport,
    /// The per-feature budget of distinct values.
    max_distinct: Option<usize>,
    /// Features whose rarest values were folded into `<other>`.
    folded: Vec<FoldInfo>,
    /// Rows left out because their target was missing
    /// (`--drop-missing-target`).
    dropped_missing_target: u64,
}

impl InputJson {
    /// Combines the reader's report and the ranker's folds.
    pub fn new(report: InputReport, max_distinct: Option<usize>, folded: Vec<FoldInfo>) -> Self {
        InputJson {
            report,
            max_distinct,
            folded,
            dropped_missing_target: 0,
        }
    }

    /// Records the rows dropped for a missing target.
    pub fn with_missing_target_rows(mut self, rows: u64) -> Self {
        self.dropped_missing_target = rows;
        self
    }

    /// Lines for the table output, about anything done beyond plain reading
    /// (none for a plain single-file read).
    pub fn notes(&self) -> Vec<String> {
        let r = &self.report;
        let mut out = Vec::new();
        if r.files.len() > 1 {
            out.push(format!(
                "input: {} files ({}), {} rows read",
                r.files.len(),
                r.format,
                r.rows_read
            ));
        }
        if self.dropped_missing_target > 0 {
            out.push(format!(
                "dropped {} rows with a missing target (--drop-missing-target)",
                self.dropped_missing_target
            ));
        }
        if r.rows_skipped > 0 {
            out.push(format!(
                "skipped {} bad rows; the first: {}",
                r.rows_skipped,
                r.first_skipped.as_deref().unwrap_or("?")
            ));
        }
        if let (Some(rate), Some(kept)) = (r.sample_rate, r.rows_sampled) {
            out.push(format!(
                "sampled {kept} of {} rows (rate {rate}, seed {})",
                r.rows_read,
                r.seed.unwrap_or(0)
            ));
        }
        if !r.numeric.columns.is_empty() {
            let cols: Vec<&str> = r
                .numeric
                .columns
                .iter()
                .map(|c| c.column.as_str())
                .collect();
            out.push(format!(
                "numeric {}: binned {}",
                r.numeric.mode,
                cols.join(", ")
            ));
        }
        for m in &r.multivalue {
            out.push(format!(
                "multivalue: `{}` split on {:?}, each value one occurrence",
                m.column, m.separator
            ));
        }
        for f in &self.folded {
            out.push(format!(
                "folded: `{}` keeps its {} most frequent values; {} values ({} rows) went to <other>",
                f.feature, f.max_distinct, f.values_folded, f.rows_folded
            ));
        }
        out
    }
}

/// The source name for the output: the paths as given.
pub fn source_name(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multivalue_specs() {
        assert_eq!(
            parse_multivalue("tags:;").unwrap(),
            ("tags".into(), ";".into())
        );
        assert_eq!(parse_multivalue("t:space").unwrap().1, " ");
        assert_eq!(parse_multivalue("t::").unwrap().1, ":");
        assert!(parse_multivalue("tags").is_err());
        assert!(parse_multivalue(":x").is_err());
    }
}
