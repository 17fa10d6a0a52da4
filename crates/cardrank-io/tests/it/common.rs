//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use cardrank_io::{CsvOptions, CsvReader, Error};

/// A fresh folder under the system's temporary folder, removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new() -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix("cardrank-io-it-")
            .tempdir()
            .expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes `bytes` to `name` in this folder and returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write temp file");
        p
    }
}

/// All rows of the batches, as strings.
pub fn rows_of(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| c.as_string::<i32>().value(r).to_string())
                    .collect(),
            );
        }
    }
    rows
}

/// Reads a whole file, failing the test on any error.
pub fn read_all(path: &Path, opts: &CsvOptions) -> (Vec<String>, Vec<RecordBatch>) {
    let reader = CsvReader::open(path, opts).unwrap_or_else(|e| panic!("open: {e}"));
    let names = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("read: {e}"));
    (names, batches)
}

/// Reads a file and returns the first error met, opening included.
pub fn first_error(path: &Path, opts: &CsvOptions) -> Error {
    match CsvReader::open(path, opts) {
        Err(e) => e,
        Ok(reader) => {
            for batch in reader {
                if let Err(e) = batch {
                    return e;
                }
            }
            panic!("no error reading {}", path.display())
        }
    }
}

/// Reads CSV text held in memory.
pub fn read_str(
    name: &str,
    text: &[u8],
    opts: &CsvOptions,
) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    let reader = CsvReader::from_reader(name, Box::new(std::io::Cursor::new(text.to_vec())), opts)?;
    let names = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok((names, rows_of(&batches)))
}
