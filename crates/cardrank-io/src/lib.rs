//! Input and test data for `cardrank`.
//!
//! - [`CsvReader`] streams CSV/TSV files (plain, gzip or zstd, recognised by
//!   their first bytes; `-` is standard input) as Arrow [`RecordBatch`]es of
//!   string columns, with one-line errors that name the file, line, column
//!   and value ([`Error`]).
//! - [`Generator`] makes a reproducible CTR-like click log whose
//!   [`GroundTruth`] says which columns are informative, noise, an XOR pair,
//!   a relabelled copy or ID-like; [`write_csv`] writes it to a file.
//!
//! This crate does not depend on the core `cardrank` crate: it only
//! produces batches, which the core consumes.
//!
//! # Example
//! ```
//! use cardrank_io::{CsvOptions, CsvReader, GenParams};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("cardrank-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("clicks.csv.gz");
//! let params = GenParams { rows: 1_000, columns: 20, ..GenParams::default() };
//! let truth = cardrank_io::write_csv(&params, &path)?;
//! assert_eq!(truth.target, "click");
//!
//! let mut rows = 0;
//! for batch in CsvReader::open(&path, &CsvOptions::default())? {
//!     rows += batch?.num_rows();
//! }
//! assert_eq!(rows, 1_000);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```
//!
//! [`RecordBatch`]: arrow_array::RecordBatch

pub mod csv;
pub mod error;
pub mod generate;
mod pipe;
pub mod source;

pub use crate::csv::{CsvOptions, CsvReader};
pub use crate::error::{Error, Result};
pub use crate::generate::{write_csv, GenParams, Generator, GroundTruth};
pub use crate::source::{Compression, Progress};
