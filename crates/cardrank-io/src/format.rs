//! Input formats and how they are recognised.
//!
//! The format of each input is, in this order:
//!
//! 1. the one given (`--format`), if any;
//! 2. recognised from the first bytes of the (decompressed) stream: `PAR1`
//!    is Parquet, `ARROW1\0\0` an Arrow IPC file, `FF FF FF FF` (the
//!    continuation marker) an Arrow IPC stream;
//! 3. recognised from the name, ignoring a trailing `.gz`/`.gzip`/`.zst`/
//!    `.zstd`: `.tsv`/`.tab` tab-separated, `.vw` Vowpal Wabbit, `.parquet`/
//!    `.pq`, `.arrow`/`.feather`/`.ipc`/`.arrows`; anything else is CSV.
//!
//! Magic bytes come first because they cannot lie: a Parquet file named
//! `.csv` is still read as Parquet. Compression (gzip, zstd) is recognised
//! separately, by the raw stream's first bytes, and wraps any text format or
//! an Arrow IPC stream; Parquet and Arrow IPC *files* need random access and
//! are read from plain files only.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The magic bytes that open (and close) a Parquet file.
pub(crate) const PARQUET_MAGIC: &[u8; 4] = b"PAR1";
/// The magic bytes (with padding) that open an Arrow IPC file.
pub(crate) const IPC_FILE_MAGIC: &[u8; 8] = b"ARROW1\0\0";
/// The continuation marker that opens every message of an Arrow IPC stream.
pub(crate) const IPC_STREAM_MARKER: &[u8; 4] = &[0xFF, 0xFF, 0xFF, 0xFF];

/// An input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// Comma-separated text (or any delimiter given).
    Csv,
    /// Tab-separated text.
    Tsv,
    /// Apache Parquet (a plain file).
    Parquet,
    /// Arrow IPC, file (Feather v2) or stream.
    Ipc,
    /// Vowpal Wabbit text.
    Vw,
}

impl Format {
    /// The name as `--format` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::Ipc => "ipc",
            Format::Vw => "vw",
        }
    }

    /// Whether the format is line-oriented text (CSV, TSV, VW).
    pub fn is_text(self) -> bool {
        matches!(self, Format::Csv | Format::Tsv | Format::Vw)
    }

    /// Recognises a format from the first bytes of a decoded stream.
    ///
    /// # Example
    /// ```
    /// use cardrank_io::Format;
    /// assert_eq!(Format::from_magic(b"PAR1\x15\x04"), Some(Format::Parquet));
    /// assert_eq!(Format::from_magic(b"ARROW1\0\0"), Some(Format::Ipc));
    /// assert_eq!(Format::from_magic(b"click,site\n"), None);
    /// ```
    pub fn from_magic(prefix: &[u8]) -> Option<Format> {
        if prefix.starts_with(PARQUET_MAGIC) {
            Some(Format::Parquet)
        } else if prefix.starts_with(IPC_FILE_MAGIC) || prefix.starts_with(IPC_STREAM_MARKER) {
            Some(Format::Ipc)
        } else {
            None
        }
    }

    /// Recognises a format from a file name (a trailing compression
    /// extension is ignored); `None` when the name says nothing.
    ///
    /// # Example
    /// ```
    /// use std::path::Path;
    /// use cardrank_io::Format;
    /// assert_eq!(Format::from_name(Path::new("a.vw.gz")), Some(Format::Vw));
    /// assert_eq!(Format::from_name(Path::new("a.TSV")), Some(Format::Tsv));
    /// assert_eq!(Format::from_name(Path::new("data")), None);
    /// ```
    pub fn from_name(path: &Path) -> Option<Format> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let stem = [".gz", ".gzip", ".zst", ".zstd"]
            .iter()
            .find_map(|ext| name.strip_suffix(ext))
            .unwrap_or(&name);
        let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "csv" | "txt" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "vw" => Some(Format::Vw),
            "parquet" | "pq" | "parq" => Some(Format::Parquet),
            "arrow" | "arrows" | "feather" | "ipc" => Some(Format::Ipc),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "parquet" | "pq" => Ok(Format::Parquet),
            "ipc" | "arrow" | "feather" => Ok(Format::Ipc),
            "vw" => Ok(Format::Vw),
            _ => Err(Error::option(format!(
                "unknown format `{s}`: expected one of csv, tsv, parquet, ipc, vw"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_magic() {
        for (name, f) in [
            ("x.csv", Some(Format::Csv)),
            ("x.csv.zst", Some(Format::Csv)),
            ("x.tab.gz", Some(Format::Tsv)),
            ("x.parquet", Some(Format::Parquet)),
            ("x.feather", Some(Format::Ipc)),
            ("x.arrows", Some(Format::Ipc)),
            ("x.VW", Some(Format::Vw)),
            ("-", None),
            ("x.gz", None),
        ] {
            assert_eq!(Format::from_name(Path::new(name)), f, "{name}");
        }
        assert_eq!(
            Format::from_magic(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10]),
            Some(Format::Ipc)
        );
        assert_eq!(Format::from_magic(b"PAR"), None);
        assert_eq!("Parquet".parse::<Format>().unwrap(), Format::Parquet);
        assert_eq!(
            "xls".parse::<Format>().unwrap_err().kind_name(),
            "invalid_option"
        );
    }
}
