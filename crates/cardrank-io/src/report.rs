//! What a run read: formats, files, rows, skipped rows, sampling and
//! transforms, so that nothing done to the data is silent.

use serde::Serialize;

use crate::format::Format;
use crate::source::Compression;

/// One input file as it was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputFile {
    /// The path as given, or `<stdin>`.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// How it was compressed.
    pub compression: String,
}

/// How numeric columns were binned.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NumericReport {
    /// `none`, `quantile:K` or `log` (`log:B` for another base).
    pub mode: String,
    /// The columns that were binned, with their bin edges (for `quantile`).
    pub columns: Vec<NumericColumn>,
}

/// One binned column.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NumericColumn {
    /// Column name.
    pub column: String,
    /// Inner bin edges (quantile binning only; empty for `log`).
    pub edges: Vec<f64>,
}

/// A column split into several values per row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MultivalueColumn {
    /// Column name.
    pub column: String,
    /// The separator (a VW namespace's features are separated by spaces).
    pub separator: String,
}

/// Everything a run did to its input, for the output's `input` object.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputReport {
    /// The inputs' format, or `mixed` when they differ.
    pub format: String,
    /// The files read, in order.
    pub files: Vec<InputFile>,
    /// Bytes taken from the inputs (compressed bytes for compressed files;
    /// for Parquet, only the footer and the projected column chunks).
    pub bytes_read: u64,
    /// Data rows read (bad rows skipped excluded), before sampling.
    pub rows_read: u64,
    /// Bad rows skipped (`--skip-bad-rows`).
    pub rows_skipped: u64,
    /// Why the first skipped row was bad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_skipped: Option<String>,
    /// The share of rows kept by sampling (`None`: no sampling).
    pub sample_rate: Option<f64>,
    /// The sampling seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Rows kept by sampling (`None`: no sampling).
    pub rows_sampled: Option<u64>,
    /// Numeric binning.
    pub numeric: NumericReport,
    /// Columns read as several values per row.
    pub multivalue: Vec<MultivalueColumn>,
    /// Passes made over the input (2 when quantile edges needed a first pass).
    pub passes: u32,
}

impl InputReport {
    /// Records a file opened for reading (its format joins `format`).
    pub(crate) fn add_file(&mut self, path: &str, format: Format, compression: Compression) {
        if self.files.iter().any(|f| f.path == path) {
            return;
        }
        self.files.push(InputFile {
            path: path.to_string(),
            format,
            compression: compression.to_string(),
        });
        let name = format.name();
        if self.format.is_empty() {
            self.format = name.to_string();
        } else if self.format != name {
            self.format = "mixed".into();
        }
    }

    /// Records a multivalue column once.
    pub(crate) fn add_multivalue(&mut self, column: &str, separator: &str) {
        if !self.multivalue.iter().any(|m| m.column == column) {
            self.multivalue.push(MultivalueColumn {
                column: column.to_string(),
                separator: separator.to_string(),
            });
        }
    }
}
