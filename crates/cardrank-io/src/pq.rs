//! Parquet files, read row group by row group with column projection.
//!
//! Built on arrow-rs's `parquet` crate (synchronous reader). Only the
//! columns the caller asks for (the target and the requested features) are
//! read and decoded: their column chunks are the only bytes fetched after the
//! footer, which [`Progress::bytes_read`] shows. Memory is bounded by one row
//! group of the projected columns plus one batch. Snappy, zstd, LZ4 and gzip
//! compressed pages are supported. A Parquet file needs random access, so it
//! cannot come from standard input or inside gzip/zstd.

use std::fs::File;
use std::io::BufReader;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use ::parquet::arrow::ProjectionMask;
use ::parquet::file::reader::{ChunkReader, Length};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use bytes::Bytes;

use crate::error::{Error, Result};
use crate::read::{panic_message, Projection};
use crate::source::{self, Counting, Progress};

/// A file whose reads are counted into a [`Progress`].
struct CountingFile {
    file: File,
    progress: Progress,
}

impl Length for CountingFile {
    fn len(&self) -> u64 {
        self.file.len()
    }
}

impl ChunkReader for CountingFile {
    type T = Counting<BufReader<File>>;

    fn get_read(&self, start: u64) -> ::parquet::errors::Result<Self::T> {
        Ok(Counting::new(self.file.get_read(start)?, &self.progress))
    }

    fn get_bytes(&self, start: u64, length: usize) -> ::parquet::errors::Result<Bytes> {
        let bytes = self.file.get_bytes(start, length)?;
        self.progress.add_bytes(bytes.len() as u64);
        Ok(bytes)
    }
}

/// Streams the record batches of one Parquet file.
pub(crate) struct ParquetReader {
    name: String,
    inner: ParquetRecordBatchReader,
    schema: SchemaRef,
    progress: Progress,
    done: bool,
}

impl ParquetReader {
    /// Opens `path`, reading only the columns `projection` selects.
    pub(crate) fn open(
        path: &Path,
        projection: &Projection,
        batch_size: usize,
        progress: &Progress,
    ) -> Result<Self> {
        let name = source::display_name(path);
        if source::is_stdin(path) {
            return Err(Error::Unsupported {
                path: name,
                message: "Parquet needs random access and cannot be read from standard input; \
                          write it to a file first"
                    .into(),
            });
        }
        let file = source::open_file(path)?;
        let perr = |e: &dyn std::fmt::Display| Error::Parquet {
            path: name.clone(),
            message: e.to_string(),
        };
        let counting = CountingFile {
            file,
            progress: progress.clone(),
        };
        let built = catch_unwind(AssertUnwindSafe(|| {
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(counting).map_err(|e| perr(&e))?;
            let names: Vec<String> = builder
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let keep = projection.resolve(&name, &names)?;
            let mask = ProjectionMask::roots(builder.parquet_schema(), keep.iter().copied());
            builder
                .with_projection(mask)
                .with_batch_size(batch_size)
                .build()
                .map_err(|e| perr(&e))
        }));
        let inner = match built {
            Ok(r) => r?,
            Err(p) => return Err(perr(&panic_message(&p))),
        };
        let schema = inner.schema();
        Ok(ParquetReader {
            name,
            inner,
            schema,
            progress: progress.clone(),
            done: false,
        })
    }

    /// The projected schema.
    pub(crate) fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }
}

impl Iterator for ParquetReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = catch_unwind(AssertUnwindSafe(|| self.inner.next()));
        let item = match next {
            Ok(None) => None,
            Ok(Some(Ok(batch))) => {
                self.progress.add_rows(batch.num_rows() as u64);
                Some(Ok(batch))
            }
            Ok(Some(Err(e))) => Some(Err(Error::Parquet {
                path: self.name.clone(),
                message: e.to_string(),
            })),
            Err(p) => Some(Err(Error::Parquet {
                path: self.name.clone(),
                message: panic_message(&p),
            })),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
