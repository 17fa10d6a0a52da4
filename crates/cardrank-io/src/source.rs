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
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::pipe;

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

/// A cheap, clonable view of how far a reader has got through its input.
///
/// It counts bytes of the raw input (before decompression), so with the
/// file's size it gives a true fraction for compressed files too. Clones
/// share the count and may be read from another thread (e.g. a progress bar).
#[derive(Clone, Debug)]
pub struct Progress {
    shared: Arc<Shared>,
    total: Option<u64>,
}

#[derive(Debug, Default)]
struct Shared {
    bytes: AtomicU64,
    source_failed: AtomicBool,
}

impl Progress {
    fn new(total: Option<u64>) -> Self {
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

    /// Whether an error came from the raw input itself (not the decoder).
    pub(crate) fn source_failed(&self) -> bool {
        self.shared.source_failed.load(Ordering::Relaxed)
    }
}

/// Wraps the raw input: counts bytes and remembers whether it failed.
struct Counting<R> {
    inner: R,
    shared: Arc<Shared>,
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
    if is_stdin(path) {
        return open_reader(STDIN_NAME, Box::new(io::stdin()), None);
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
    let total = meta.is_file().then_some(meta.len());
    open_reader(&name, Box::new(file), total)
}

/// Sets up decompression over any byte stream, peeking at its first bytes.
pub(crate) fn open_reader(
    name: &str,
    reader: Box<dyn Read + Send>,
    total: Option<u64>,
) -> Result<Source> {
    let progress = Progress::new(total);
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
