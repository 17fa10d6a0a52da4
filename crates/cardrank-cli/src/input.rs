//! The output's report of what was read and done to the input.

use cardrank::FoldInfo;
use cardrank_io::InputReport;
use serde::Serialize;

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
