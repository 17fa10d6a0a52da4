//! Arrow IPC: files (Feather v2, `ARROW1`) and streams.
//!
//! A plain IPC file is read with its footer, decoding only the projected
//! columns. An IPC stream (from a file, standard input, or inside gzip/zstd)
//! is read message by message; an IPC *file* that arrives without random
//! access (standard input, compressed) is read the same way, since its body
//! is a stream after the 8-byte magic. LZ4 and zstd compressed buffers are
//! supported.

use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};
use arrow_schema::SchemaRef;

use crate::error::{Error, Result};
use crate::format::IPC_FILE_MAGIC;
use crate::read::{panic_message, Projection};
use crate::source::{self, Compression, Counting, Progress, Source};

enum Inner {
    File(FileReader<BufReader<Counting<File>>>),
    Stream(StreamReader<BufReader<Box<dyn Read + Send>>>),
}

/// Streams the record batches of one Arrow IPC file or stream.
pub(crate) struct IpcReader {
    name: String,
    inner: Inner,
    /// Columns to keep from each batch (streams are projected after reading).
    keep: Option<Vec<usize>>,
    schema: SchemaRef,
    progress: Progress,
    done: bool,
}

impl IpcReader {
    /// Opens an input whose decoded stream `src` starts with an IPC magic.
    pub(crate) fn open(
        path: &Path,
        mut src: Source,
        projection: &Projection,
        progress: &Progress,
    ) -> Result<Self> {
        let name = src.name.clone();
        let ierr = |e: &dyn std::fmt::Display| Error::Ipc {
            path: name.clone(),
            message: e.to_string(),
        };
        let prefix = src.peek(IPC_FILE_MAGIC.len())?;
        let is_file = prefix.starts_with(IPC_FILE_MAGIC);
        let seekable = !source::is_stdin(path) && src.compression == Compression::None;
        if is_file && seekable {
            drop(src);
            let file = source::open_file(path)?;
            let opened = catch_unwind(AssertUnwindSafe(|| {
                let probe = FileReader::try_new_buffered(
                    Counting::new(
                        file.try_clone().map_err(|e| ierr(&e))?,
                        &Progress::new(None),
                    ),
                    None,
                )
                .map_err(|e| ierr(&e))?;
                let names = field_names(&probe.schema());
                let keep = projection.resolve(&name, &names)?;
                FileReader::try_new_buffered(Counting::new(file, progress), Some(keep))
                    .map_err(|e| ierr(&e))
            }));
            let reader = match opened {
                Ok(r) => r?,
                Err(p) => return Err(ierr(&panic_message(&p))),
            };
            return Ok(IpcReader {
                schema: reader.schema(),
                name,
                inner: Inner::File(reader),
                keep: None,
                progress: progress.clone(),
                done: false,
            });
        }
        if is_file {
            // Skip the magic and its zero padding (to 8 or, from arrow-rs,
            // 64 bytes); the rest up to the footer is an IPC stream.
            let ioerr = |e| source::io_error(&name, src.compression, &src.progress, 1, e);
            let mut magic = [0u8; 6];
            src.reader.read_exact(&mut magic).map_err(ioerr)?;
            let mut byte = [0u8; 1];
            let mut first = None;
            for _ in 0..64 {
                if src.reader.read(&mut byte).map_err(ioerr)? == 0 {
                    break;
                }
                if byte[0] != 0 {
                    first = Some(byte[0]);
                    break;
                }
            }
            if let Some(b) = first {
                let rest = std::mem::replace(&mut src.reader, Box::new(std::io::empty()));
                src.reader = Box::new(std::io::Cursor::new([b]).chain(rest));
            }
        }
        let opened = catch_unwind(AssertUnwindSafe(|| {
            StreamReader::try_new_buffered(src.reader, None).map_err(|e| ierr(&e))
        }));
        let reader = match opened {
            Ok(r) => r?,
            Err(p) => return Err(ierr(&panic_message(&p))),
        };
        let full = reader.schema();
        let keep = projection.resolve(&name, &field_names(&full))?;
        let schema = std::sync::Arc::new(full.project(&keep).map_err(|e| ierr(&e))?);
        Ok(IpcReader {
            name,
            inner: Inner::Stream(reader),
            keep: Some(keep),
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

fn field_names(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

impl Iterator for IpcReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = catch_unwind(AssertUnwindSafe(|| match &mut self.inner {
            Inner::File(r) => r.next(),
            Inner::Stream(r) => r.next(),
        }));
        let err = |message: String| Error::Ipc {
            path: self.name.clone(),
            message,
        };
        let item = match next {
            Ok(None) => None,
            Ok(Some(Ok(batch))) => {
                let batch = match &self.keep {
                    Some(keep) => batch.project(keep).map_err(|e| err(e.to_string())),
                    None => Ok(batch),
                };
                if let Ok(b) = &batch {
                    self.progress.add_rows(b.num_rows() as u64);
                }
                Some(batch)
            }
            Ok(Some(Err(e))) => Some(Err(err(e.to_string()))),
            Err(p) => Some(Err(err(panic_message(&p)))),
        };
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}
