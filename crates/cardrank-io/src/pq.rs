//! Parquet files, read row group by row group with column projection.
//!
//! Built on arrow-rs's `parquet` crate (synchronous reader). Only the
//! columns the caller asks for (the target and the requested features) are
//! read and decoded: their column chunks are the only bytes fetched after the
//! footer, which [`Progress::bytes_read`] shows. Memory is bounded by one row
//! group of the projected columns plus one batch. Snappy, zstd, LZ4 and gzip
//! compressed pages are supported. A Parquet file needs random access, so it
//! cannot come from standard input or inside gzip/zstd. The footer and the
//! page headers of the columns read are checked first ([`crate::pq_check`]):
//! `parquet` allocates what they claim.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use ::parquet::arrow::ProjectionMask;
use ::parquet::file::reader::{ChunkReader, Length};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use bytes::Bytes;

use crate::error::{one_line, Error, Result};
use crate::guard::guarded;
use crate::pq_check::{check_chunk, check_footer, Chunk};
use crate::read::Projection;
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
            message: one_line(&e.to_string()),
        };
        let mut scan = file.try_clone().map_err(|e| perr(&e))?;
        let size = scan.seek(SeekFrom::End(0)).map_err(|e| perr(&e))?;
        read_footer(&mut scan, size).map_err(|m| perr(&m))?;
        let counting = CountingFile {
            file,
            progress: progress.clone(),
        };
        let builder = guarded(|| ParquetRecordBatchReaderBuilder::try_new(counting))
            .map_err(|m| perr(&m))?
            .map_err(|e| perr(&e))?;
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let keep = projection.resolve(&name, &names)?;
        let chunks = guarded(|| chunks(&builder, &keep)).map_err(|m| perr(&m))?;
        for chunk in &chunks {
            check_chunk(&mut scan, size, chunk).map_err(|m| perr(&m))?;
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), keep.iter().copied());
        let inner = guarded(|| {
            builder
                .with_projection(mask)
                .with_batch_size(batch_size)
                .build()
        })
        .map_err(|m| perr(&m))?
        .map_err(|e| perr(&e))?;
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
        let item = match guarded(|| self.inner.next()) {
            Ok(None) => None,
            Ok(Some(Ok(batch))) => {
                self.progress.add_rows(batch.num_rows() as u64);
                Some(Ok(batch))
            }
            Ok(Some(Err(e))) => Some(Err(Error::Parquet {
                path: self.name.clone(),
                message: one_line(&e.to_string()),
            })),
            Err(message) => Some(Err(Error::Parquet {
                path: self.name.clone(),
                message: one_line(&message),
            })),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// Reads and checks the footer's metadata (see [`check_footer`]) before
/// `parquet` decodes it.
fn read_footer(file: &mut File, size: u64) -> std::result::Result<(), String> {
    if size < 12 {
        return Err(format!("it is {size} bytes long, too short for Parquet"));
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(size - 8))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| e.to_string())?;
    if &tail[4..] != b"PAR1" {
        // `parquet` says what is wrong (encrypted footer, truncated file).
        return Ok(());
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if len + 8 > size - 4 {
        return Err(format!(
            "its footer claims {len} bytes of metadata, the file has {size} bytes"
        ));
    }
    let mut metadata = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(size - 8 - len))
        .and_then(|_| file.read_exact(&mut metadata))
        .map_err(|e| e.to_string())?;
    check_footer(&metadata)
}

/// The column chunks to be read: those of the columns at `keep`, in every
/// row group.
fn chunks(builder: &ParquetRecordBatchReaderBuilder<CountingFile>, keep: &[usize]) -> Vec<Chunk> {
    let schema = builder.parquet_schema();
    let leaves: Vec<usize> = (0..schema.num_columns())
        .filter(|&i| keep.contains(&schema.get_column_root_idx(i)))
        .collect();
    let mut out = Vec::new();
    for rg in builder.metadata().row_groups() {
        for &i in &leaves {
            let col = rg.column(i);
            let (start, len) = col.byte_range();
            out.push(Chunk {
                start,
                len,
                codec: col.compression(),
                physical: col.column_type(),
                type_length: col.column_descr().type_length(),
            });
        }
    }
    out
}
