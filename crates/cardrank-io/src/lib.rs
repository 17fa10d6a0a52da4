//! Input and test data for `cardrank`.
//!
//! - [`open`] reads one or more inputs (paths, globs, `-` for standard
//!   input) as one stream of Arrow [`RecordBatch`]es, a [`BatchSource`]:
//!   CSV/TSV (plain, gzip or zstd), Parquet (row group by row group, only
//!   the projected columns), Arrow IPC files and streams, and Vowpal Wabbit
//!   text ([`vw`]). The format is recognised per input ([`format`]).
//! - [`open_with`] adds the batch transforms ([`transform`]): sampling by a
//!   seeded hash of the row index, multivalue columns, numeric binning
//!   ([`numeric`]). What was read and done is in [`Progress::report`].
//! - [`CsvReader`] streams one CSV/TSV input, with one-line errors that name
//!   the file, line, column and value ([`Error`]).
//! - [`split`] reads one plain CSV/TSV file in parallel byte ranges, one
//!   sink per range, for order-free work such as ranking (then merged).
//! - [`Generator`] makes a reproducible CTR-like click log whose
//!   [`GroundTruth`] says which columns are informative, noise, an XOR pair,
//!   a relabelled copy or ID-like; [`write_csv`] and [`write_data`] (every
//!   format) write it to a file.
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
pub mod format;
pub mod generate;
mod guard;
mod ipc;
mod ipc_check;
pub mod numeric;
mod pipe;
mod pq;
mod pq_check;
pub mod read;
mod recent;
pub mod report;
pub mod source;
pub mod split;
pub mod transform;
pub mod vw;
mod write;

pub use crate::csv::{CsvOptions, CsvReader};
pub use crate::error::{Error, Result};
pub use crate::format::Format;
pub use crate::generate::{write_csv, GenParams, Generator, GroundTruth};
pub use crate::numeric::NumericMode;
pub use crate::read::{expand_inputs, open, open_reader, BatchSource, Projection, ReadOptions};
pub use crate::report::{InputFile, InputReport, MultivalueColumn, NumericColumn, NumericReport};
pub use crate::source::{Compression, Progress};
pub use crate::transform::{open_with, Transforms};
pub use crate::vw::VwOptions;
pub use crate::write::write_data;
