//! One plain CSV/TSV file read in parallel: byte ranges cut at line ends.
//!
//! [`CsvSplit::plan`] reads the header and cuts the rest of the file into
//! byte ranges, each starting just after a line feed: about
//! [`RANGES_PER_THREAD`] per rayon thread, none smaller than
//! [`MIN_RANGE_BYTES`]. [`CsvSplit::run`] then reads the ranges on the
//! current rayon pool, each with an ordinary [`CsvReader`] over the header's
//! bytes followed by the range's (so the header, delimiter, projection and
//! row-to-batch code are the sequential reader's own), and hands each range's
//! batches to its own sink state (e.g. one ranker per range); adjacent
//! ranges' states are merged in file order as soon as both are read, while
//! other ranges are still being read. Rows reach the sinks out of file
//! order; use it only for work whose result does not depend on the order of
//! the rows.
//!
//! # When a file is read by one reader instead
//!
//! [`CsvSplit::plan`] says [`Sequential`] (and the caller reads the input
//! with [`crate::open_with`], as always) unless all of these hold: exactly
//! one input, a regular file (not standard input, a pipe or a device), in
//! CSV or TSV (given or recognised), uncompressed, with a header row,
//! without `skip_bad_rows` (the report keeps the first bad row, which needs
//! file order), without transforms (sampling hashes the row index,
//! numeric binning looks at the first batch, multivalue columns are not
//! wired in), more than one range's worth of data and more than one thread
//! (unless the range size is forced). Anything that fails while planning
//! (the file cannot be opened, a column is unknown, ...) also gives
//! [`Sequential`]: the sequential reader then reports it as it always has.
//!
//! # Quoted line feeds
//!
//! A quoted field may hold a line feed, so a cut after a line feed may fall
//! inside a record. The parser is then inside a quoted field at the end of
//! the range before the cut, and the last record it returns ends with that
//! line feed; the line feed ends a record or a blank line in every other
//! parser state. A range whose last record ends with a line feed inside a
//! field therefore makes [`CsvSplit::run`] give up ([`SplitRun::Fallback`]),
//! as does an error in the last record of a range (a record cut short has
//! too few fields): the caller then reads the whole file sequentially. The
//! check is conservative: a field whose quoted value ends with a line feed
//! also gives up. A file without quotes is never in doubt.
//!
//! # Errors and line numbers
//!
//! Ranges are checked in file order, so the error reported is the first in
//! the file, as with one reader. A reader counts lines from its range's
//! start; the lines of the ranges before it (all of which were read to the
//! end, since only the ranges after a failed one are cancelled) are added,
//! so messages name the same line as the sequential reader's. That reader
//! names a record by the line where the record before it ended (for CRLF
//! line ends, or after blank lines, one or more lines before the record's
//! own), so an error in the first record of a range is named by the end of
//! the last record in a range before it, the same way.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rayon::prelude::*;

use crate::csv::{CsvOptions, CsvReader};
use crate::error::{Error, Result};
use crate::format::Format;
use crate::read::{self, ReadOptions};
use crate::source::{self, Compression, Counting, Progress, Source};
use crate::transform::Transforms;

mod part;

use part::Part;

/// The smallest range cut by default: below this, a thread costs more than
/// it saves.
pub const MIN_RANGE_BYTES: u64 = 4 << 20;

/// Ranges per thread by default: a few more than threads, so that a thread
/// that finishes early (or shares its core) takes another range.
pub const RANGES_PER_THREAD: usize = 2;

/// Most ranges a file is cut into (a forced small range size).
pub const MAX_RANGES: usize = 4096;

/// A range's batches close at this many bytes of field data (or at the
/// batch size in rows), four times [`crate::csv::TARGET_BATCH_BYTES`]: a
/// range's reader hands each batch straight to its sink, with no batches
/// queued between threads, and longer columns per batch keep each
/// feature's dictionary in cache for more rows (on a generated 1M-row,
/// 51-column file, a fifth less CPU than 4 MiB batches). Batch boundaries
/// do not change a ranking (the CLI reads `--max-distinct`, whose folds
/// they would change, with one reader).
pub const SPLIT_BATCH_BYTES: usize = 16 << 20;

/// The environment variable that sets the range size: `0` (or `off`) reads
/// every file with one reader, a number of bytes forces ranges of about
/// that size (tests, tuning); unset or `auto`, the default.
pub const SPLIT_BYTES_ENV: &str = "CARDRANK_CSV_SPLIT_BYTES";

/// How to cut a file into ranges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SplitSize {
    /// About [`RANGES_PER_THREAD`] ranges per thread, each at least
    /// [`MIN_RANGE_BYTES`]; one reader with a single thread.
    #[default]
    Auto,
    /// Never cut: one reader.
    Off,
    /// Ranges of about this many bytes (at least 1), whatever the threads.
    Bytes(u64),
}

impl SplitSize {
    /// Reads [`SPLIT_BYTES_ENV`].
    ///
    /// # Example
    /// ```
    /// use cardrank_io::split::SplitSize;
    /// assert_eq!(SplitSize::parse("0").unwrap(), SplitSize::Off);
    /// assert_eq!(SplitSize::parse("65536").unwrap(), SplitSize::Bytes(65_536));
    /// assert!(SplitSize::parse("lots").is_err());
    /// ```
    pub fn from_env() -> Result<SplitSize> {
        match std::env::var(SPLIT_BYTES_ENV) {
            Ok(v) => SplitSize::parse(&v),
            Err(_) => Ok(SplitSize::Auto),
        }
    }

    /// Parses a value of [`SPLIT_BYTES_ENV`].
    pub fn parse(value: &str) -> Result<SplitSize> {
        match value.trim() {
            "" | "auto" => Ok(SplitSize::Auto),
            "0" | "off" => Ok(SplitSize::Off),
            v => v.parse::<u64>().map(SplitSize::Bytes).map_err(|_| {
                Error::option(format!(
                    "{SPLIT_BYTES_ENV} must be a number of bytes, `0`, `off` or `auto`, got `{v}`"
                ))
            }),
        }
    }
}

/// Why a file is read by one reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sequential {
    /// Cutting is switched off ([`SplitSize::Off`]).
    Off,
    /// Not exactly one input.
    SeveralInputs,
    /// Standard input, a pipe or a device: no random access.
    NotAFile,
    /// Not CSV or TSV.
    NotCsv,
    /// Compressed input has no random access.
    Compressed,
    /// Without a header, a range's first row would name the columns.
    NoHeader,
    /// Skipped rows are reported in file order.
    SkipBadRows,
    /// Sampling, numeric binning or multivalue columns.
    Transforms,
    /// One range's worth of data or less.
    Small,
    /// One thread.
    OneThread,
    /// Planning failed: the sequential reader will report why.
    Unreadable,
    /// A range ended inside a quoted field.
    QuoteAcrossCut,
    /// An error in the last record of a range, which may be a record cut
    /// short.
    ErrorAtCut,
    /// A range was stopped before it was checked, or could not be opened.
    Abandoned,
}

impl std::fmt::Display for Sequential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sequential::Off => "cutting into ranges is off",
            Sequential::SeveralInputs => "more than one input",
            Sequential::NotAFile => "not a regular file",
            Sequential::NotCsv => "not CSV or TSV",
            Sequential::Compressed => "compressed",
            Sequential::NoHeader => "no header row",
            Sequential::SkipBadRows => "bad rows are skipped in file order",
            Sequential::Transforms => "sampling, binning or multivalue columns",
            Sequential::Small => "one range's worth of data",
            Sequential::OneThread => "one thread",
            Sequential::Unreadable => "the input could not be planned",
            Sequential::QuoteAcrossCut => "a quoted field spans a cut",
            Sequential::ErrorAtCut => "an error in the last record of a range",
            Sequential::Abandoned => "a range was abandoned",
        })
    }
}

/// What [`CsvSplit::run`] gives when no range failed.
#[derive(Debug)]
pub enum SplitRun<S> {
    /// Every range was read; the ranges' states merged in file order.
    Done(S),
    /// The ranges cannot be trusted: read the file with one reader.
    Fallback(Sequential),
}

/// A failure in [`CsvSplit::run`]: the first in file order.
#[derive(Debug)]
pub enum SplitError<E> {
    /// The reader's error, with the line number in the whole file.
    Read(Error),
    /// The sink's error.
    Sink(E),
}

/// One plain CSV/TSV file cut into byte ranges at line ends.
///
/// # Example
/// ```
/// use cardrank_io::split::{CsvSplit, SplitRun, SplitSize};
/// use cardrank_io::{ReadOptions, Transforms};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("cardrank-split-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("t.csv");
/// let body: String = (0..1000).map(|i| format!("{},{}\n", i % 2, i % 7)).collect();
/// std::fs::write(&path, format!("y,x\n{body}"))?;
/// let split = CsvSplit::plan(&[path], &ReadOptions::default(), &Transforms::default(), SplitSize::Bytes(500))
///     .expect("a plain CSV file");
/// assert!(split.ranges() > 5);
/// let run = split.run(
///     || 0usize,
///     |rows: &mut usize, b| {
///         *rows += b.num_rows();
///         Ok::<(), ()>(())
///     },
///     |a, b| Ok(a + b),
/// );
/// match run {
///     Ok(SplitRun::Done(rows)) => assert_eq!(rows, 1000),
///     other => panic!("{other:?}"),
/// }
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct CsvSplit {
    path: PathBuf,
    name: String,
    tab: bool,
    csv: CsvOptions,
    /// The columns read, as indices into the header.
    keep: Vec<usize>,
    /// The file's bytes up to the end of the header record.
    header: Arc<[u8]>,
    /// The parser's line after the header.
    header_line: u64,
    ranges: Vec<Range<u64>>,
    progress: Progress,
    schema: SchemaRef,
}

impl CsvSplit {
    /// Plans a parallel read of `inputs` with the options of
    /// [`crate::open_with`], or says why the input is read sequentially.
    /// Call it inside the rayon pool that will [`run`](CsvSplit::run) it:
    /// the number of ranges follows its thread count.
    pub fn plan(
        inputs: &[PathBuf],
        read: &ReadOptions,
        t: &Transforms,
        size: SplitSize,
    ) -> std::result::Result<CsvSplit, Sequential> {
        if size == SplitSize::Off {
            return Err(Sequential::Off);
        }
        if !t.is_identity() || t.check().is_err() {
            return Err(Sequential::Transforms);
        }
        if !read.csv.has_header {
            return Err(Sequential::NoHeader);
        }
        if read.csv.skip_bad_rows {
            return Err(Sequential::SkipBadRows);
        }
        let paths = read::expand_inputs(inputs).map_err(|_| Sequential::Unreadable)?;
        let [path] = paths.as_slice() else {
            return Err(Sequential::SeveralInputs);
        };
        if source::is_stdin(path) {
            return Err(Sequential::NotAFile);
        }
        let len = match source::file_size(path) {
            Ok(Some(len)) => len,
            Ok(None) => return Err(Sequential::NotAFile),
            Err(_) => return Err(Sequential::Unreadable),
        };
        let threads = rayon::current_num_threads();
        if size == SplitSize::Auto && threads < 2 {
            return Err(Sequential::OneThread);
        }
        let scratch = Progress::new(Some(len));
        let (format, src) =
            read::detect(path, read.format, &scratch).map_err(|_| Sequential::Unreadable)?;
        if !matches!(format, Format::Csv | Format::Tsv) {
            return Err(Sequential::NotCsv);
        }
        if src.compression != Compression::None {
            return Err(Sequential::Compressed);
        }
        if src.empty {
            return Err(Sequential::Unreadable);
        }
        let tab = format == Format::Tsv;
        let name = src.name.clone();
        let mut probe =
            CsvReader::from_source(src, tab, &read.csv).map_err(|_| Sequential::Unreadable)?;
        let names: Vec<String> = probe
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let keep = read
            .columns
            .resolve(&name, &names)
            .map_err(|_| Sequential::Unreadable)?;
        probe
            .project(keep.clone())
            .map_err(|_| Sequential::Unreadable)?;
        let schema = probe.schema();
        let (header_end, header_line) = probe.position();
        drop(probe);
        let data = len.saturating_sub(header_end);
        let parts = match size {
            SplitSize::Bytes(b) => data.div_ceil(b.max(1)).min(MAX_RANGES as u64) as usize,
            _ => (data / MIN_RANGE_BYTES).min((threads * RANGES_PER_THREAD) as u64) as usize,
        };
        if parts < 2 {
            return Err(Sequential::Small);
        }
        let (header, ranges) = File::open(path)
            .and_then(|mut file| {
                let mut header = vec![0u8; header_end as usize];
                file.read_exact(&mut header)?;
                Ok((header.into(), cut(&mut file, header_end, len, parts)?))
            })
            .map_err(|_: io::Error| Sequential::Unreadable)?;
        if ranges.len() < 2 {
            return Err(Sequential::Small);
        }
        let progress = Progress::new(Some(len));
        progress.lock().add_file(&name, format, Compression::None);
        progress.add_bytes(header_end);
        Ok(CsvSplit {
            path: path.clone(),
            name,
            tab,
            csv: read.csv.clone(),
            keep,
            header,
            header_line,
            ranges,
            progress,
            schema,
        })
    }

    /// How many ranges the file was cut into.
    pub fn ranges(&self) -> usize {
        self.ranges.len()
    }

    /// The columns of every batch.
    pub fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }

    /// A handle on bytes and rows read by all ranges together, and the
    /// input report (the same as the sequential reader's at the end).
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Reads every range on the current rayon pool: each range's batches
    /// go to `each` with that range's own state, made by `init`; adjacent
    /// ranges' states are joined with `merge` (left, right) as soon as both
    /// are read, while other ranges are still being read.
    ///
    /// Returns the state of the whole file, or [`SplitRun::Fallback`] when a
    /// cut could not be trusted (read the file sequentially then), or the
    /// first error in file order.
    pub fn run<S, E, I, F, M>(
        &self,
        init: I,
        each: F,
        merge: M,
    ) -> std::result::Result<SplitRun<S>, SplitError<E>>
    where
        S: Send,
        E: Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, &RecordBatch) -> std::result::Result<(), E> + Sync,
        M: Fn(S, S) -> std::result::Result<S, E> + Sync,
    {
        // Ranges after a failed one stop; all stop when a cut is wrong.
        let first_failed = AtomicUsize::new(usize::MAX);
        let abandon = AtomicBool::new(false);
        let whole = (0..self.ranges.len())
            .into_par_iter()
            .with_max_len(1)
            .map(|i| self.read_range(i, &init, &each, &first_failed, &abandon))
            .reduce(|| Part::Empty, |l, r| part::combine(l, r, &merge));
        match whole {
            Part::Done { state, .. } => Ok(SplitRun::Done(state)),
            Part::Failed {
                error: SplitError::Read(e),
                shift,
            } => Err(SplitError::Read(e.shift_line(shift))),
            Part::Failed { error, .. } => Err(error),
            Part::Fallback(why) => Ok(SplitRun::Fallback(why)),
            Part::Empty => Ok(SplitRun::Fallback(Sequential::Abandoned)),
        }
    }

    /// Reads range `i` into a fresh state.
    fn read_range<S, E, I, F>(
        &self,
        i: usize,
        init: &I,
        each: &F,
        first_failed: &AtomicUsize,
        abandon: &AtomicBool,
    ) -> Part<S, E>
    where
        I: Fn() -> S,
        F: Fn(&mut S, &RecordBatch) -> std::result::Result<(), E>,
    {
        let cancelled = || {
            Part::Fallback(if abandon.load(Ordering::Relaxed) {
                Sequential::QuoteAcrossCut
            } else {
                Sequential::Abandoned
            })
        };
        let stop = || abandon.load(Ordering::Relaxed) || first_failed.load(Ordering::Relaxed) < i;
        if stop() {
            return cancelled();
        }
        let range = &self.ranges[i];
        let end = self.header.len() as u64 + (range.end - range.start);
        let is_last = i + 1 == self.ranges.len();
        // The file opened when it was planned: if it cannot be opened again,
        // the sequential reader will say why (or read it).
        let Ok(mut reader) = self.open_range(range) else {
            return Part::Fallback(Sequential::Abandoned);
        };
        if !is_last {
            // A cut inside a quoted field is found below (`tail`).
            reader.skip_quote_check();
        }
        let mut state = init();
        let failed = |error, reader: &CsvReader| {
            first_failed.fetch_min(i, Ordering::Relaxed);
            if !is_last && reader.position().0 >= end {
                // The failing record may be one cut short.
                return Part::Fallback(Sequential::ErrorAtCut);
            }
            Part::Failed { error, shift: 0 }
        };
        loop {
            if stop() {
                return cancelled();
            }
            match reader.next() {
                None => break,
                Some(Ok(batch)) => {
                    if let Err(e) = each(&mut state, &batch) {
                        return failed(SplitError::Sink(e), &reader);
                    }
                }
                Some(Err(e)) => return failed(SplitError::Read(e), &reader),
            }
        }
        let tail = reader.tail();
        let open_quote = !is_last && tail.open_quote;
        if open_quote {
            abandon.store(true, Ordering::Relaxed);
        }
        // The header's bytes are what the parser consumed to read it, so
        // the lines past its line are the range's line feeds.
        Part::Done {
            state,
            lines: reader.position().1 - self.header_line,
            open_quote,
        }
    }

    /// A reader of the header's bytes followed by the range's.
    fn open_range(&self, range: &Range<u64>) -> Result<CsvReader> {
        let mut file = File::open(&self.path).map_err(|source| Error::Open {
            path: self.name.clone(),
            source,
        })?;
        file.seek(SeekFrom::Start(range.start))
            .map_err(|source| Error::Read {
                path: self.name.clone(),
                line: self.header_line,
                source,
            })?;
        let body = Counting::new(file.take(range.end - range.start), &self.progress);
        let src = Source {
            name: self.name.clone(),
            reader: Box::new(Cursor::new(Arc::clone(&self.header)).chain(body)),
            compression: Compression::None,
            progress: self.progress.clone(),
            empty: false,
        };
        let mut reader = CsvReader::from_source(src, self.tab, &self.csv)?;
        reader.project(self.keep.clone())?;
        reader.set_batch_bytes(SPLIT_BATCH_BYTES);
        Ok(reader)
    }
}

/// Cuts `[header_end, len)` of an open file into about `parts` ranges,
/// each (but the first) starting just after a line feed.
fn cut(file: &mut File, header_end: u64, len: u64, parts: usize) -> io::Result<Vec<Range<u64>>> {
    let data = len - header_end;
    let mut starts = vec![header_end];
    let mut buf = vec![0u8; 64 << 10];
    for j in 1..parts as u64 {
        let prev = *starts.last().unwrap_or(&header_end);
        let nominal = header_end + data * j / parts as u64;
        // The first line feed at or after the byte before `nominal`.
        let mut at = nominal.max(prev + 1) - 1;
        file.seek(SeekFrom::Start(at))?;
        let next = loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break None;
            }
            if let Some(k) = buf[..n].iter().position(|&b| b == b'\n') {
                break Some(at + k as u64 + 1);
            }
            at += n as u64;
        };
        match next {
            Some(start) if start < len => starts.push(start),
            _ => break,
        }
    }
    let mut ranges: Vec<Range<u64>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(*starts.last().unwrap_or(&header_end)..len);
    Ok(ranges)
}
