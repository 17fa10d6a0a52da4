//! Opening an input: a file or standard input, plain, gzip or zstd.
//!
//! Compression is recognised by the first bytes of the stream (gzip
//! `1f 8b`, zstd `28 b5 2f fd`), not by the file name, so it works for
//! standard input and for misnamed files alike. A [`Progress`] handle counts
//! the bytes taken from the raw (still compressed) input. Compressed input
//! is decoded on a helper thread, side by side with the parser.

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::pipe;
use crate::report::InputReport;

/// The name used in messages for standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// How an input stream is compressed, as recognised from its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
}

impl Compression {
    /// Recognises the format from the first bytes of a stream.
    ///
    /// # Example
    /// ```
    /// use cardrank_io::Compression;
    /// assert_eq!(Compression::detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
    /// assert_eq!(Compression::detect(b"a,b\n"), Compression::None);
    /// ```
    pub fn detect(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

/// A cheap, clonable view of how far a reader has got through its input,
/// and of what it met on the way.
///
/// It counts bytes of the raw input (before decompression), so with the
/// files' sizes it gives a true fraction for compressed files too; rows read,
/// rows skipped as bad and rows kept by sampling; and the facts that end up
/// in the run's [`InputReport`]. Clones share everything and may be read
/// from another thread (e.g. a progress bar, or the caller after the reader
/// moved to a worker thread).
#[derive(Clone, Debug)]
pub struct Progress {
    shared: Arc<Shared>,
    total: Option<u64>,
}

#[derive(Debug, Default)]
struct Shared {
    bytes: AtomicU64,
    source_failed: AtomicBool,
    rows_read: AtomicU64,
    rows_skipped: AtomicU64,
    rows_kept: AtomicU64,
    report: Mutex<InputReport>,
}

impl Progress {
    pub(crate) fn new(total: Option<u64>) -> Self {
        Progress {
            shared: Arc::new(Shared::default()),
            total,
        }
    }

    /// Bytes of the raw (possibly compressed) input consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.shared.bytes.load(Ordering::Relaxed)
    }

    /// Size of the raw input in bytes, when known (regular files).
    pub fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    /// Share of the input consumed, in `[0, 1]`, when the size is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.bytes_read() as f64 / t as f64).min(1.0)),
            None => None,
        }
    }

    /// Data rows read from the inputs so far (bad rows skipped excluded,
    /// before sampling).
    pub fn rows_read(&self) -> u64 {
        self.shared.rows_read.load(Ordering::Relaxed)
    }

    /// Bad rows skipped so far (with `skip_bad_rows`).
    pub fn rows_skipped(&self) -> u64 {
        self.shared.rows_skipped.load(Ordering::Relaxed)
    }

    /// What the run read, sampled, skipped and transformed, so far.
    pub fn report(&self) -> InputReport {
        let mut r = self.lock().clone();
        r.rows_read = self.rows_read();
        r.bytes_read = self.bytes_read();
        r.rows_skipped = self.rows_skipped();
        if r.numeric.mode.is_empty() {
            r.numeric.mode = "none".into();
        }
        r.passes = r.passes.max(1);
        r.rows_sampled = r
            .sample_rate
            .map(|_| self.shared.rows_kept.load(Ordering::Relaxed));
        r
    }

    /// Whether an error came from the raw input itself (not the decoder).
    pub(crate) fn source_failed(&self) -> bool {
        self.shared.source_failed.load(Ordering::Relaxed)
    }

    pub(crate) fn add_rows(&self, n: u64) {
        self.shared.rows_read.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_kept(&self, n: u64) {
        self.shared.rows_kept.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one skipped row; the first one's reason is kept for the report.
    pub(crate) fn skip_row(&self, reason: &crate::Error) {
        if self.shared.rows_skipped.fetch_add(1, Ordering::Relaxed) == 0 {
            self.lock().first_skipped = Some(reason.to_string());
        }
    }

    pub(crate) fn add_bytes(&self, n: u64) {
        self.shared.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// The shared report, for readers and transforms to fill in.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, InputReport> {
        // A panic elsewhere cannot leave the report half-written in a way
        // that matters: it is plain data, so a poisoned lock is still used.
        self.shared
            .report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Wraps the raw input: counts bytes and remembers whether it failed.
pub(crate) struct Counting<R> {
    inner: R,
    shared: Arc<Shared>,
}

impl<R> Counting<R> {
    /// Counts what is read from `inner` into `progress`.
    pub(crate) fn new(inner: R, progress: &Progress) -> Self {
        Counting {
            inner,
            shared: Arc::clone(&progress.shared),
        }
    }
}

impl<R: io::Seek> io::Seek for Counting<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.shared.bytes.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.shared.source_failed.store(true, Ordering::Relaxed);
                }
                Err(e)
            }
        }
    }
}

/// An opened, decoded input stream.
pub(crate) struct Source {
    /// The name used in messages: the path as given, or `<stdin>`.
    pub name: String,
    /// The decoded bytes.
    pub reader: Box<dyn Read + Send>,
    /// The detected compression.
    pub compression: Compression,
    /// Shared progress counter.
    pub progress: Progress,
    /// Whether the raw input had no bytes at all.
    pub empty: bool,
}

impl Source {
    /// Reads up to `n` bytes of the decoded stream without consuming them.
    pub(crate) fn peek(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut prefix = Vec::with_capacity(n);
        let reader = std::mem::replace(&mut self.reader, Box::new(io::empty()));
        let mut limited = reader.take(n as u64);
        let got = limited.read_to_end(&mut prefix);
        let reader = limited.into_inner();
        self.reader = Box::new(Cursor::new(prefix.clone()).chain(reader));
        match got {
            Ok(_) => Ok(prefix),
            Err(e) => Err(io_error(&self.name, self.compression, &self.progress, 1, e)),
        }
    }
}

/// Returns the display name for a path: `<stdin>` for `-`.
pub(crate) fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// Whether a path means standard input.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Opens a path (`-` is standard input) and sets up decompression.
pub(crate) fn open_path(path: &Path) -> Result<Source> {
    let total = file_size(path)?;
    open_path_with(path, &Progress::new(total))
}

/// The size of a regular file (`None` for standard input, pipes, devices).
pub(crate) fn file_size(path: &Path) -> Result<Option<u64>> {
    if is_stdin(path) {
        return Ok(None);
    }
    let meta = std::fs::metadata(path).map_err(|source| Error::Open {
        path: display_name(path),
        source,
    })?;
    Ok(meta.is_file().then_some(meta.len()))
}

/// Opens a regular file for random access (Parquet, Arrow IPC files).
pub(crate) fn open_file(path: &Path) -> Result<File> {
    let name = display_name(path);
    let open_err = |source| Error::Open {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if meta.is_dir() {
        return Err(open_err(io::Error::other("is a directory")));
    }
    Ok(file)
}

/// Opens a path like [`open_path`], counting into an existing `progress`.
pub(crate) fn open_path_with(path: &Path, progress: &Progress) -> Result<Source> {
    if is_stdin(path) {
        return open_reader_with(STDIN_NAME, Box::new(io::stdin()), progress);
    }
    let name = display_name(path);
    let open_err = |source| Error::Open {
        path: name.clone(),
        source,
    };
    let file = File::open(path).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if meta.is_dir() {
        return Err(open_err(io::Error::other("is a directory")));
    }
    open_reader_with(&name, Box::new(file), progress)
}

/// Sets up decompression over any byte stream, peeking at its first bytes.
pub(crate) fn open_reader(
    name: &str,
    reader: Box<dyn Read + Send>,
    total: Option<u64>,
) -> Result<Source> {
    open_reader_with(name, reader, &Progress::new(total))
}

/// Sets up decompression over a byte stream, counting into `progress`.
pub(crate) fn open_reader_with(
    name: &str,
    reader: Box<dyn Read + Send>,
    progress: &Progress,
) -> Result<Source> {
    let progress = progress.clone();
    let mut raw = Counting {
        inner: reader,
        shared: Arc::clone(&progress.shared),
    };
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < prefix.len() {
        match raw.read(&mut prefix[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Read {
                    path: name.to_string(),
                    line: 1,
                    source,
                })
            }
        }
    }
    let compression = Compression::detect(&prefix[..got]);
    let chained = Cursor::new(prefix).take(got as u64).chain(raw);
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(chained),
        Compression::Gzip => pipe::spawn(Box::new(flate2::read::MultiGzDecoder::new(chained))),
        Compression::Zstd => match zstd::Decoder::new(chained) {
            Ok(d) => pipe::spawn(Box::new(d)),
            Err(e) => {
                return Err(Error::Decompress {
                    path: name.to_string(),
                    format: compression,
                    line: 1,
                    message: e.to_string(),
                })
            }
        },
    };
    Ok(Source {
        name: name.to_string(),
        reader,
        compression,
        progress,
        empty: got == 0,
    })
}

/// Maps an IO error met while parsing to [`Error::Decompress`] when it came
/// from the decoder, or to [`Error::Read`] when it came from the raw input.
pub(crate) fn io_error(
    name: &str,
    compression: Compression,
    progress: &Progress,
    line: u64,
    source: io::Error,
) -> Error {
    if compression != Compression::None && !progress.source_failed() {
        Error::Decompress {
            path: name.to_string(),
            format: compression,
            line,
            message: source.to_string(),
        }
    } else {
        Error::Read {
            path: name.to_string(),
            line,
            source,
        }
    }
}

/// Names that mean tab-separated: `.tsv`/`.tab`, optionally compressed.
pub(crate) fn is_tab_separated(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let stem = [".gz", ".gzip", ".zst", ".zstd"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(&name);
    stem.ends_with(".tsv") || stem.ends_with(".tab")
}

/// One step of a reader that stops after its input ends or its first error:
/// turns `read()`'s result into an iterator item and sets `done` when the
/// iteration is over.
pub(crate) fn fused_step<T>(done: &mut bool, read: Result<Option<T>>) -> Option<Result<T>> {
    match read {
        Ok(Some(item)) => Some(Ok(item)),
        Ok(None) => {
            *done = true;
            None
        }
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_separated_names() {
        for yes in [
            "a.tsv",
            "a.TSV",
            "a.tab",
            "a.tsv.gz",
            "a.tsv.zst",
            "x/y.tab.zstd",
        ] {
            assert!(is_tab_separated(Path::new(yes)), "{yes}");
        }
        for no in ["a.csv", "a.csv.gz", "tsv", "-", "a.tsv.bz2"] {
            assert!(!is_tab_separated(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn progress_counts_raw_bytes() {
        let data = b"a,b\n1,2\n".to_vec();
        let len = data.len() as u64;
        let mut src = open_reader("x", Box::new(Cursor::new(data)), Some(len)).unwrap();
        let mut out = Vec::new();
        src.reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a,b\n1,2\n");
        assert_eq!(src.progress.bytes_read(), len);
        assert_eq!(src.progress.fraction(), Some(1.0));
        assert_eq!(src.compression, Compression::None);
    }

    #[test]
    fn short_inputs_are_not_mistaken_for_compressed() {
        let mut src = open_reader("x", Box::new(Cursor::new(vec![0x1f])), None).unwrap();
        assert_eq!(src.compression, Compression::None);
        let mut out = Vec::new();
        src.reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![0x1f]);
        let src = open_reader("x", Box::new(Cursor::new(Vec::new())), None).unwrap();
        assert!(src.empty);
    }
}
