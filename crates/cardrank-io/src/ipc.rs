//! Arrow IPC: files (Feather v2, `ARROW1`) and streams.
//!
//! A plain IPC file is read with its footer, decoding only the projected
//! columns. An IPC stream (from a file, standard input, or inside gzip/zstd)
//! is read message by message; an IPC *file* that arrives without random
//! access (standard input, compressed) is read the same way, since its body
//! is a stream after the 8-byte magic. LZ4 and zstd compressed buffers are
//! supported.
//!
//! The framing is ours and arrow-rs only decodes: every length the input
//! claims is checked against the bytes that back it before anything is
//! allocated from it ([`crate::ipc_check`]), and a stream's message is read
//! through a bounded reader, so memory follows what the input holds, not
//! what it says.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::RecordBatch;
use arrow_buffer::{Buffer, MutableBuffer};
use arrow_ipc::reader::{read_dictionary, read_record_batch, FileDecoder};
use arrow_ipc::{Block, MessageHeader};
use arrow_schema::{Schema, SchemaRef};

use crate::error::{one_line, Error, Result};
use crate::format::{IPC_FILE_MAGIC, IPC_STREAM_MARKER as CONTINUATION_MARKER};
use crate::guard::guarded;
use crate::ipc_check::{body_length, check_block, check_message, message_bytes};
use crate::read::Projection;
use crate::source::{self, Compression, Counting, Progress, Source};

/// The magic an IPC file starts and ends with.
const MAGIC: &[u8; 6] = b"ARROW1";
/// Leading magic with padding, footer length and trailing magic.
const FILE_OVERHEAD: u64 = 8 + 4 + 6;

enum Inner {
    File(IpcFile),
    Stream(IpcStream),
}

/// Streams the record batches of one Arrow IPC file or stream.
pub(crate) struct IpcReader {
    name: String,
    inner: Inner,
    /// Columns to keep from each batch, if it is not projected already.
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
        let prefix = src.peek(IPC_FILE_MAGIC.len())?;
        let is_file = prefix.starts_with(MAGIC);
        if is_file && !prefix.starts_with(IPC_FILE_MAGIC) {
            // Neither a file (its magic is padded with zeros to 8 bytes)
            // nor a stream ("ARRO" would be read as a message length).
            return Err(ipc_error(
                &name,
                "it starts with `ARROW1` but not with the zero padding after it",
            ));
        }
        let seekable = !source::is_stdin(path) && src.compression == Compression::None;
        if is_file && seekable {
            drop(src);
            let (file, schema) = IpcFile::open(path, &name, projection, progress)?;
            return Ok(IpcReader {
                schema,
                name,
                inner: Inner::File(file),
                keep: None,
                progress: progress.clone(),
                done: false,
            });
        }
        if is_file {
            skip_file_magic(&mut src)?;
        }
        let mut stream = IpcStream {
            name: name.clone(),
            reader: BufReader::new(src.reader),
            compression: src.compression,
            progress: src.progress.clone(),
            schema: None,
            dictionaries: HashMap::new(),
            keep: Vec::new(),
        };
        let full = stream.read_schema()?;
        let names: Vec<String> = full.fields().iter().map(|f| f.name().clone()).collect();
        let keep = projection.resolve(&name, &names)?;
        let schema = Arc::new(full.project(&keep).map_err(|e| ipc_error(&name, e))?);
        stream.keep = keep;
        Ok(IpcReader {
            name,
            inner: Inner::Stream(stream),
            keep: None,
            schema,
            progress: progress.clone(),
            done: false,
        })
    }

    /// The projected schema.
    pub(crate) fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let batch = match &mut self.inner {
            Inner::File(f) => f.next_batch(&self.name)?,
            Inner::Stream(s) => s.next_batch()?,
        };
        let Some(batch) = batch else {
            return Ok(None);
        };
        let batch = match &self.keep {
            Some(keep) => batch.project(keep).map_err(|e| ipc_error(&self.name, e))?,
            None => batch,
        };
        self.progress.add_rows(batch.num_rows() as u64);
        Ok(Some(batch))
    }
}

impl Iterator for IpcReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.read_batch();
        source::fused_step(&mut self.done, read)
    }
}

fn ipc_error(name: &str, message: impl ToString) -> Error {
    Error::Ipc {
        path: name.to_string(),
        message: one_line(&message.to_string()),
    }
}

/// Skips an IPC file's magic and its zero padding (to 8 or, from arrow-rs,
/// 64 bytes; the first two were checked): the rest up to the footer is an
/// IPC stream.
fn skip_file_magic(src: &mut Source) -> Result<()> {
    let name = src.name.clone();
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
    Ok(())
}

/// An IPC file read through its footer.
struct IpcFile {
    file: Counting<File>,
    decoder: FileDecoder,
    blocks: Vec<Block>,
    next: usize,
    /// Where the footer starts: every block lies before it.
    data_end: u64,
}

impl IpcFile {
    fn open(
        path: &Path,
        name: &str,
        projection: &Projection,
        progress: &Progress,
    ) -> Result<(Self, SchemaRef)> {
        let bad = |m: String| ipc_error(name, m);
        let ioerr = |e| source::io_error(name, Compression::None, progress, 1, e);
        let mut file = Counting::new(source::open_file(path)?, progress);
        let size = file.seek(SeekFrom::End(0)).map_err(ioerr)?;
        if size < FILE_OVERHEAD {
            return Err(bad(format!(
                "it starts with `ARROW1` but is only {size} bytes long, too short for an IPC file"
            )));
        }
        let mut tail = [0u8; 10];
        file.seek(SeekFrom::Start(size - 10)).map_err(ioerr)?;
        file.read_exact(&mut tail).map_err(ioerr)?;
        if &tail[4..] != MAGIC {
            return Err(bad(
                "it starts with `ARROW1` but does not end with it (a truncated file?)".into(),
            ));
        }
        let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let data_end = u64::try_from(footer_len)
            .ok()
            .and_then(|f| size.checked_sub(10 + f))
            .filter(|&end| end >= 8)
            .ok_or_else(|| bad(format!("its footer claims {footer_len} bytes of {size}")))?;
        let mut footer = vec![0u8; footer_len as usize];
        file.seek(SeekFrom::Start(data_end)).map_err(ioerr)?;
        file.read_exact(&mut footer).map_err(ioerr)?;
        let (schema, version, dictionaries, blocks) = guarded(|| {
            let footer =
                arrow_ipc::root_as_footer(&footer).map_err(|e| format!("invalid footer: {e}"))?;
            let fb = footer.schema().ok_or("the footer has no schema")?;
            if !fb.endianness().equals_to_target_endianness() {
                return Err("it was written with the other byte order".to_string());
            }
            let schema = arrow_ipc::convert::fb_to_schema(fb);
            let dictionaries: Vec<Block> =
                footer.dictionaries().iter().flatten().copied().collect();
            let blocks: Vec<Block> = footer.recordBatches().iter().flatten().copied().collect();
            Ok((schema, footer.version(), dictionaries, blocks))
        })
        .and_then(|r| r)
        .map_err(bad)?;
        for block in dictionaries.iter().chain(&blocks) {
            check_block(block, data_end).map_err(bad)?;
        }
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let keep = projection.resolve(name, &names)?;
        let projected = Arc::new(schema.project(&keep).map_err(|e| ipc_error(name, e))?);
        let mut decoder = FileDecoder::new(Arc::new(schema), version).with_projection(keep);
        let mut this = IpcFile {
            file,
            decoder: FileDecoder::new(Arc::new(Schema::empty()), version),
            blocks,
            next: 0,
            data_end,
        };
        for block in &dictionaries {
            let buf = this.read_block(name, block)?;
            guarded(|| decoder.read_dictionary(block, &buf))
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map_err(bad)?;
        }
        this.decoder = decoder;
        Ok((this, projected))
    }

    /// Reads and checks one (already bounds-checked) block.
    fn read_block(&mut self, name: &str, block: &Block) -> Result<Buffer> {
        let (offset, len) = check_block(block, self.data_end).map_err(|m| ipc_error(name, m))?;
        let mut buf = MutableBuffer::from_len_zeroed(len);
        let read = self
            .file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(buf.as_slice_mut()));
        if let Err(e) = read {
            return Err(ipc_error(name, format!("cannot read a block: {e}")));
        }
        let meta_len = block.metaDataLength() as usize;
        let meta = message_bytes(&buf, meta_len).map_err(|m| ipc_error(name, m))?;
        check_message(meta, &buf[meta_len..]).map_err(|m| ipc_error(name, m))?;
        Ok(buf.into())
    }

    fn next_batch(&mut self, name: &str) -> Result<Option<RecordBatch>> {
        while let Some(block) = self.blocks.get(self.next).copied() {
            self.next += 1;
            let buf = self.read_block(name, &block)?;
            let decoded = guarded(|| self.decoder.read_record_batch(&block, &buf))
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map_err(|m| ipc_error(name, m))?;
            if decoded.is_some() {
                return Ok(decoded);
            }
        }
        Ok(None)
    }
}

/// An IPC stream, framed here message by message and decoded by arrow-rs.
struct IpcStream {
    name: String,
    reader: BufReader<Box<dyn Read + Send>>,
    compression: Compression,
    progress: Progress,
    /// The stream's full schema, once its first message is read.
    schema: Option<SchemaRef>,
    dictionaries: HashMap<i64, ArrayRef>,
    /// The columns decoded.
    keep: Vec<usize>,
}

impl IpcStream {
    fn error(&self, message: impl ToString) -> Error {
        ipc_error(&self.name, message)
    }

    /// Reads up to `n` more bytes onto `out`, growing it only as the bytes
    /// arrive; whether all `n` came.
    fn read_onto(&mut self, out: &mut Vec<u8>, n: u64) -> Result<bool> {
        let before = out.len();
        (&mut self.reader)
            .take(n)
            .read_to_end(out)
            .map_err(|e| source::io_error(&self.name, self.compression, &self.progress, 1, e))?;
        Ok((out.len() - before) as u64 == n)
    }

    /// The next message, prefix, flatbuffer and body, checked, and where
    /// its body starts; `None` at the end-of-stream marker or the end of
    /// the input.
    fn read_message(&mut self) -> Result<Option<(Buffer, usize)>> {
        let mut frame = Vec::with_capacity(8);
        if !self.read_onto(&mut frame, 4)? {
            return match frame.len() {
                0 => Ok(None),
                n => Err(self.error(format!("the input ends {n} bytes into a message length"))),
            };
        }
        if frame[..4] == CONTINUATION_MARKER[..] {
            frame.clear();
            if !self.read_onto(&mut frame, 4)? {
                return Err(self.error("the input ends inside a message length"));
            }
        }
        let len = i32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]);
        if len == 0 {
            return Ok(None);
        }
        if len < 0 {
            return Err(self.error(format!("a message claims a length of {len} bytes")));
        }
        frame = [&CONTINUATION_MARKER[..], &frame[..4]].concat();
        if !self.read_onto(&mut frame, len as u64)? {
            return Err(self.error(format!(
                "a message claims {len} bytes but the input ends after {}",
                frame.len() - 8
            )));
        }
        let meta_len = frame.len();
        let body = guarded(|| body_length(&frame[8..]))
            .and_then(|r| r)
            .map_err(|m| self.error(m))?;
        if !self.read_onto(&mut frame, body)? {
            return Err(self.error(format!(
                "a message claims a body of {body} bytes but the input ends after {}",
                frame.len() - meta_len
            )));
        }
        guarded(|| check_message(&frame[8..meta_len], &frame[meta_len..]))
            .and_then(|r| r)
            .map_err(|m| self.error(m))?;
        Ok(Some((Buffer::from_vec(frame), meta_len)))
    }

    /// Decodes one message: keeps a schema or dictionary, returns a batch.
    fn decode(&mut self, frame: &Buffer, meta_len: usize) -> Result<Option<RecordBatch>> {
        let decoded = guarded(|| -> std::result::Result<Option<RecordBatch>, String> {
            let err = |e: arrow_schema::ArrowError| e.to_string();
            let message = arrow_ipc::root_as_message(&frame[8..meta_len])
                .map_err(|e| format!("invalid message: {e}"))?;
            let body = frame.slice(meta_len);
            let version = message.version();
            let schema = self.schema.clone();
            match (message.header_type(), schema) {
                (MessageHeader::Schema, None) => {
                    let fb = message
                        .header_as_schema()
                        .ok_or("a schema message without one")?;
                    self.schema = Some(Arc::new(arrow_ipc::convert::fb_to_schema(fb)));
                    Ok(None)
                }
                (MessageHeader::Schema, Some(_)) => Err("a second schema message".into()),
                (_, None) => Err("the stream does not start with a schema message".into()),
                (MessageHeader::DictionaryBatch, Some(schema)) => {
                    let batch = message
                        .header_as_dictionary_batch()
                        .ok_or("a dictionary message without one")?;
                    read_dictionary(&body, batch, &schema, &mut self.dictionaries, &version)
                        .map_err(err)?;
                    Ok(None)
                }
                (MessageHeader::RecordBatch, Some(schema)) => {
                    let batch = message
                        .header_as_record_batch()
                        .ok_or("a record batch message without one")?;
                    let keep = Some(&self.keep[..]);
                    read_record_batch(&body, batch, schema, &self.dictionaries, keep, &version)
                        .map(Some)
                        .map_err(err)
                }
                (MessageHeader::NONE, _) => Ok(None),
                (t, _) => Err(format!("a message of type {t:?}, which is not read")),
            }
        });
        decoded
            .and_then(|r| r)
            .map_err(|m| ipc_error(&self.name, m))
    }

    /// Reads the schema message, which must come first.
    fn read_schema(&mut self) -> Result<SchemaRef> {
        let Some((frame, meta_len)) = self.read_message()? else {
            return Err(self.error("the stream has no schema message"));
        };
        self.decode(&frame, meta_len)?;
        self.schema
            .clone()
            .ok_or_else(|| self.error("the stream does not start with a schema message"))
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        while let Some((frame, meta_len)) = self.read_message()? {
            if let Some(batch) = self.decode(&frame, meta_len)? {
                return Ok(Some(batch));
            }
        }
        Ok(None)
    }
}
