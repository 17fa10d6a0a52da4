//! Streaming CSV/TSV reader producing Arrow record batches of strings.
//!
//! Built on the [`csv`](https://docs.rs/csv) crate: quoted fields with
//! embedded delimiters, quotes and newlines work, and `\n`, `\r\n` and `\r`
//! all end a row. Every column comes out as a non-nullable Arrow `Utf8`
//! column; an empty field is the empty string (what counts as missing is the
//! caller's business). Input may be plain, gzip or zstd, recognised by its
//! first bytes. Blank lines are skipped, as the `csv` crate does, so in a
//! one-column file an empty value must be written as `""`. Errors name a
//! row by its physical line (where its first byte is), also after blank
//! lines and in CRLF files, where the parser's own line is an earlier one
//! (see `Recent`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};
use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::error::{escape_preview, Error, Result, PREVIEW_CHARS};
use crate::recent::{Recent, RowLimit};
use crate::source::{self, Compression, Progress, Source};

/// Largest row, in bytes of field content, that the reader accepts.
pub const MAX_ROW_BYTES: usize = 1 << 30;

/// A batch is closed once its fields hold this many bytes (or at the batch
/// size in rows, whichever comes first), counting [`FIELD_BYTES`] for each
/// field read besides its text. Wide rows thus make batches of fewer rows:
/// the few batches in flight between the reader thread and the ranker stay
/// small whatever the width, so peak memory does not hang on the number of
/// columns times 65,536 rows. (Far below the 2 GiB where Arrow's 32-bit
/// string offsets would overflow.)
pub const TARGET_BATCH_BYTES: usize = 4 << 20;

/// What a field costs in a batch besides its text: its string offset. Even
/// empty fields thus fill a batch (10,000 empty columns would otherwise make
/// 65,536-row batches of 2.6 GB of offsets).
const FIELD_BYTES: usize = 4;

/// Rows' worth of capacity reserved up front for the first batch, at most
/// (and never more than the batch's bytes can fill).
const FIRST_BATCH_ROWS: usize = 1 << 16;

/// Size of the parser's input buffer.
pub(crate) const BUFFER_BYTES: usize = 1 << 20;

/// Options for [`CsvReader`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter. `None` picks `\t` for names ending `.tsv` or `.tab`
    /// (also followed by `.gz` or `.zst`) and `,` otherwise.
    pub delimiter: Option<u8>,
    /// Most rows per batch (at least 1). Default 65,536.
    pub batch_size: usize,
    /// Whether the first row holds the column names. Without a header the
    /// columns are named `c1`, `c2`, ... Default true.
    pub has_header: bool,
    /// Skip rows with the wrong number of fields or invalid UTF-8 instead of
    /// failing; they are counted in [`Progress::rows_skipped`]. Default false.
    pub skip_bad_rows: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            batch_size: 65_536,
            has_header: true,
            skip_bad_rows: false,
        }
    }
}

impl CsvOptions {
    /// Checks the options, returning the delimiter to use for `path`.
    fn check(&self, path: Option<&Path>) -> Result<u8> {
        if self.batch_size == 0 {
            return Err(Error::option("batch size must be at least 1, got 0"));
        }
        let delimiter = match (self.delimiter, path) {
            (Some(d), _) => d,
            (None, Some(p)) if source::is_tab_separated(p) => b'\t',
            (None, _) => b',',
        };
        if matches!(delimiter, b'"' | b'\n' | b'\r') || !delimiter.is_ascii() {
            return Err(Error::option(format!(
                "delimiter must be one ASCII character other than a quote or a line break, got {:?}",
                char::from(delimiter)
            )));
        }
        Ok(delimiter)
    }
}

/// Reads a CSV or TSV stream as Arrow [`RecordBatch`]es of string columns.
///
/// # Example
/// ```
/// use std::io::Cursor;
/// use arrow_array::{cast::AsArray, Array};
/// use cardrank_io::{CsvOptions, CsvReader};
///
/// let data = "click,site\n1,a.com\n0,\"b,com\"\n";
/// let reader = CsvReader::from_reader("inline", Box::new(Cursor::new(data)), &CsvOptions::default())?;
/// assert_eq!(reader.schema().field(1).name(), "site");
/// let batches = reader.collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(batches[0].num_rows(), 2);
/// assert_eq!(batches[0].column(1).as_string::<i32>().value(1), "b,com");
/// # Ok::<(), cardrank_io::Error>(())
/// ```
pub struct CsvReader {
    name: String,
    rdr: ::csv::Reader<Recent<Box<dyn Read + Send>>>,
    compression: Compression,
    progress: Progress,
    schema: SchemaRef,
    batch_size: usize,
    record: ByteRecord,
    /// The first data row when there is no header (read to count columns).
    pending: Option<ByteRecord>,
    /// Number of fields in the header (every row must have as many).
    n_fields: usize,
    /// The header's names (`c1`, `c2`, ... without a header), for messages.
    header: Vec<String>,
    delimiter: u8,
    /// Where the last record read began: byte and parser line.
    last_start: (u64, u64),
    /// Whether a quote left open at the end is an error (not for a byte
    /// range of a file that may end inside a quoted field, see
    /// [`crate::split`], which checks that itself).
    check_quotes: bool,
    /// The columns read, as indices into the header; the rest are skipped.
    keep: Vec<usize>,
    skip_bad_rows: bool,
    rows_read: u64,
    /// Value bytes per column in the previous batch (capacity hints).
    bytes_hint: Vec<usize>,
    rows_hint: usize,
    /// A batch closes once its fields hold this many bytes.
    batch_bytes: usize,
    done: bool,
    /// Where the parser began the row being read.
    row_begin: ::csv::Position,
    /// What a reader of one byte range of a file needs to know about where
    /// it stopped (see [`crate::split`]).
    tail: Tail,
}

/// Where a reader got to, for [`crate::split`]: a reader of one byte range
/// checks that it ended between two records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tail {
    /// Whether the last record read ends with a line feed inside a field:
    /// the only way a record can run past a line end is inside quotes, so
    /// when the input was cut after a line feed this is the sign that the
    /// cut fell inside a quoted field.
    pub open_quote: bool,
}

impl CsvReader {
    /// Opens a file (`-` means standard input).
    pub fn open(path: &Path, opts: &CsvOptions) -> Result<Self> {
        let delimiter = opts.check(Some(path))?;
        let src = source::open_path(path)?;
        Self::new(src, delimiter, opts)
    }

    /// Reads from any byte stream; `name` is used in messages and, like a
    /// path, to choose the default delimiter.
    pub fn from_reader(
        name: &str,
        reader: Box<dyn Read + Send>,
        opts: &CsvOptions,
    ) -> Result<Self> {
        let delimiter = opts.check(Some(Path::new(name)))?;
        let src = source::open_reader(name, reader, None)?;
        Self::new(src, delimiter, opts)
    }

    /// Reads an opened source; the delimiter comes from the options, else
    /// from `tab` (the input was recognised as TSV).
    pub(crate) fn from_source(src: Source, tab: bool, opts: &CsvOptions) -> Result<Self> {
        let mut o = opts.clone();
        if o.delimiter.is_none() && tab {
            o.delimiter = Some(b'\t');
        }
        let delimiter = o.check(None)?;
        Self::new(src, delimiter, &o)
    }

    fn new(src: Source, delimiter: u8, opts: &CsvOptions) -> Result<Self> {
        let Source {
            name,
            reader,
            compression,
            progress,
            empty,
        } = src;
        if empty {
            return Err(Error::Empty { path: name });
        }
        let rdr = ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(opts.skip_bad_rows)
            .buffer_capacity(BUFFER_BYTES)
            .from_reader(Recent::new(reader));
        let mut this = CsvReader {
            name,
            rdr,
            compression,
            progress,
            schema: Arc::new(Schema::empty()),
            batch_size: opts.batch_size,
            record: ByteRecord::new(),
            pending: None,
            n_fields: 0,
            header: Vec::new(),
            delimiter,
            last_start: (0, 1),
            check_quotes: true,
            keep: Vec::new(),
            skip_bad_rows: opts.skip_bad_rows,
            rows_read: 0,
            bytes_hint: Vec::new(),
            rows_hint: opts.batch_size.min(FIRST_BATCH_ROWS),
            batch_bytes: TARGET_BATCH_BYTES,
            done: false,
            row_begin: ::csv::Position::new(),
            tail: Tail::default(),
        };
        let mut first = ByteRecord::new();
        match this.rdr.read_byte_record(&mut first) {
            Ok(true) => {}
            Ok(false) => return Err(Error::Empty { path: this.name }),
            Err(e) => return Err(this.csv_error(e)),
        }
        this.note_start(&first);
        let names = if opts.has_header {
            header_names(&this.name, &first).map_err(|e| this.on_line_of(e, &first))?
        } else {
            let names = (1..=first.len()).map(|i| format!("c{i}")).collect();
            this.pending = Some(first);
            names
        };
        let fields: Vec<Field> = names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, false))
            .collect();
        this.header = names;
        this.n_fields = fields.len();
        this.keep = (0..fields.len()).collect();
        this.first_hints();
        this.schema = Arc::new(Schema::new(fields));
        Ok(this)
    }

    /// Reads only the columns at `keep` (indices into the header, in the
    /// order given); the others are parsed past and never copied. Call it
    /// before the first batch.
    pub(crate) fn project(&mut self, keep: Vec<usize>) -> Result<()> {
        let schema = self
            .schema
            .project(&keep)
            .map_err(|e| Error::option(e.to_string()))?;
        self.keep = keep;
        self.first_hints();
        self.schema = Arc::new(schema);
        Ok(())
    }

    /// The capacity reserved for the first batch: within the batch's byte
    /// budget however many columns are read (a 10,000-column file of three
    /// rows used to reserve 8.6 GB), and a full batch of rows for few
    /// columns. Later batches reserve what the one before used.
    fn first_hints(&mut self) {
        let n = self.keep.len().max(1);
        self.rows_hint = self
            .batch_size
            .min(FIRST_BATCH_ROWS)
            .min(self.batch_bytes / (FIELD_BYTES * n))
            .max(1);
        let bytes = (self.batch_bytes / n).min(self.rows_hint * 8);
        self.bytes_hint = vec![bytes; self.keep.len()];
    }

    /// The schema: one non-nullable `Utf8` column per header field.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// A handle reporting how much of the raw input has been consumed.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Data rows returned in batches so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// The name used in messages: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The compression recognised from the input's first bytes.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    fn line(&self) -> u64 {
        self.rdr.position().line()
    }

    /// The parser's position: bytes of the decoded stream consumed (up to
    /// the end of the last record) and the line reached.
    pub(crate) fn position(&self) -> (u64, u64) {
        let p = self.rdr.position();
        (p.byte(), p.line())
    }

    /// Closes batches at `bytes` of field data instead of
    /// [`TARGET_BATCH_BYTES`] (still at the batch size in rows).
    pub(crate) fn set_batch_bytes(&mut self, bytes: usize) {
        self.batch_bytes = bytes.max(1);
        if self.rows_read == 0 {
            self.first_hints();
        }
    }

    /// Leaves a quote open at the end to [`crate::split`] (see [`Tail`]).
    pub(crate) fn skip_quote_check(&mut self) {
        self.check_quotes = false;
    }

    /// Where the reader got to (see [`Tail`]).
    pub(crate) fn tail(&self) -> Tail {
        self.tail
    }

    /// The physical line of a record the parser began at `pos`.
    fn line_at(&self, pos: &::csv::Position) -> u64 {
        self.rdr.get_ref().line_of(pos.byte(), pos.line())
    }

    /// `err` (about record `rec`) naming the record's physical line.
    fn on_line_of(&self, err: Error, rec: &ByteRecord) -> Error {
        match rec.position() {
            Some(p) => err.with_line(self.line_at(p)),
            None => err,
        }
    }

    /// Stops rows at `bytes` instead of [`MAX_ROW_BYTES`] while they are
    /// read (the check after a row is read stays at [`MAX_ROW_BYTES`]).
    #[cfg(test)]
    pub(crate) fn set_row_limit(&mut self, bytes: usize) {
        self.rdr.get_mut().row_limit = bytes as u64;
    }

    /// Remembers where `rec`, just read, began.
    #[inline]
    fn note_start(&mut self, rec: &ByteRecord) {
        if let Some(p) = rec.position() {
            self.last_start = (p.byte(), p.line());
        }
    }

    /// The error for a quote that the record begun at `begin` (on parser
    /// line `line`) leaves open, if it does: the record then ran to the end
    /// of the input.
    fn open_quote(&self, (begin, line): (u64, u64)) -> Option<Error> {
        if !self.check_quotes {
            return None;
        }
        let end = self.rdr.position().byte();
        let recent = self.rdr.get_ref();
        let q = recent.unterminated_quote(begin, line, end, self.delimiter)?;
        let column = self.header.get(q.field).map_or_else(
            || format!("#{}", q.field + 1),
            |n| escape_preview(n.as_bytes()),
        );
        let value = recent.bytes(q.offset + 1, end, PREVIEW_CHARS * 4 + 4);
        Some(Error::UnterminatedQuote {
            path: self.name.clone(),
            line: q.line,
            column,
            value: escape_preview(&value),
        })
    }

    fn csv_error(&self, err: ::csv::Error) -> Error {
        let line = err
            .position()
            .map_or_else(|| self.line(), |p| self.line_at(p));
        if let (ErrorKind::UnequalLengths { .. }, Some(p)) = (err.kind(), err.position()) {
            // Too few fields because a quote swallowed the rest of the input.
            if let Some(e) = self.open_quote((p.byte(), p.line())) {
                return e;
            }
        }
        match err.into_kind() {
            ErrorKind::Io(e) => match e.get_ref().and_then(|i| i.downcast_ref::<RowLimit>()) {
                Some(limit) => Error::RowTooLarge {
                    path: self.name.clone(),
                    line: self.line_at(&self.row_begin),
                    bytes: usize::try_from(limit.bytes).unwrap_or(usize::MAX),
                    limit: usize::try_from(self.rdr.get_ref().row_limit).unwrap_or(usize::MAX),
                },
                None => {
                    source::io_error(&self.name, self.compression, &self.progress, self.line(), e)
                }
            },
            ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => Error::Ragged {
                path: self.name.clone(),
                line,
                expected: expected_len as usize,
                found: len as usize,
            },
            other => Error::Read {
                path: self.name.clone(),
                line,
                source: std::io::Error::other(format!("{other:?}")),
            },
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut builders: Vec<StringBuilder> = self
            .bytes_hint
            .iter()
            .map(|&bytes| StringBuilder::with_capacity(self.rows_hint, bytes))
            .collect();
        let mut rows = 0usize;
        let mut bytes = 0usize;
        let per_row = FIELD_BYTES * self.keep.len();
        let row = Row {
            name: &self.name,
            schema: &self.schema,
            n_fields: self.n_fields,
            keep: &self.keep,
        };
        if let Some(first) = self.pending.take() {
            bytes += per_row
                + row
                    .append(&first, &mut builders)
                    .map_err(|e| self.on_line_of(e, &first))?;
            rows += 1;
        }
        while rows < self.batch_size && bytes < self.batch_bytes {
            begin_row(&mut self.rdr, &mut self.row_begin);
            match self.rdr.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => {
                    if let Some(e) = self.open_quote(self.last_start) {
                        return Err(e);
                    }
                    break;
                }
                Err(e) => return Err(self.csv_error(e)),
            }
            if let Some(p) = self.record.position() {
                self.last_start = (p.byte(), p.line());
            }
            self.tail.open_quote = self.record.as_slice().last() == Some(&b'\n');
            match row.append(&self.record, &mut builders) {
                Ok(n) => {
                    bytes += n + per_row;
                    rows += 1;
                }
                Err(e) => match self.on_line_of(e, &self.record) {
                    e @ (Error::Ragged { .. } | Error::InvalidUtf8 { .. })
                        if self.skip_bad_rows =>
                    {
                        self.progress.skip_row(&e);
                    }
                    e => return Err(e),
                },
            }
        }
        if rows == 0 {
            return Ok(None);
        }
        for (hint, b) in self.bytes_hint.iter_mut().zip(&builders) {
            let used = b.values_slice().len();
            *hint = used + used / 8 + 64;
        }
        let columns: Vec<ArrayRef> = builders
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        self.rows_hint = self.batch_size.min(rows + rows / 8 + 16);
        self.rows_read += rows as u64;
        self.progress.add_rows(rows as u64);
        let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(Arc::clone(&self.schema), columns, &options)
            .map(Some)
            .map_err(|e| Error::Read {
                path: self.name.clone(),
                line: self.line(),
                source: std::io::Error::other(e),
            })
    }
}

impl Iterator for CsvReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.read_batch();
        crate::source::fused_step(&mut self.done, read)
    }
}

impl std::iter::FusedIterator for CsvReader {}

/// Notes where the next row begins, for the row limit (see [`Recent`]).
#[inline]
fn begin_row<R: Read>(rdr: &mut ::csv::Reader<Recent<R>>, row_begin: &mut ::csv::Position) {
    *row_begin = rdr.position().clone();
    rdr.get_mut().row_start = row_begin.byte();
}

fn record_line(rec: &ByteRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

/// What is needed to append a row to the builders.
struct Row<'a> {
    name: &'a str,
    schema: &'a Schema,
    n_fields: usize,
    keep: &'a [usize],
}

impl Row<'_> {
    /// Appends the kept fields of one row to the builders; returns the row's
    /// size in bytes. On error nothing is appended.
    #[inline]
    fn append(&self, rec: &ByteRecord, builders: &mut [StringBuilder]) -> Result<usize> {
        let raw = rec.as_slice();
        if raw.len() > MAX_ROW_BYTES {
            return Err(Error::RowTooLarge {
                path: self.name.to_string(),
                line: record_line(rec),
                bytes: raw.len(),
                limit: MAX_ROW_BYTES,
            });
        }
        if rec.len() != self.n_fields {
            return Err(Error::Ragged {
                path: self.name.to_string(),
                line: record_line(rec),
                expected: self.n_fields,
                found: rec.len(),
            });
        }
        // Validate the whole row at once; a field is then valid exactly when
        // its bounds fall on character boundaries. When the row is not valid
        // as a whole, the kept fields are checked one by one (the bad bytes
        // may be in a column that is not read).
        let text = std::str::from_utf8(raw).ok();
        let field = |i: usize| match &text {
            Some(t) => rec.range(i).and_then(|r| t.get(r)),
            None => rec.get(i).and_then(|f| std::str::from_utf8(f).ok()),
        };
        if let Some(&bad) = self.keep.iter().find(|&&i| field(i).is_none()) {
            return Err(utf8_error(self.name, self.schema, self.keep, rec, bad));
        }
        for (builder, &i) in builders.iter_mut().zip(self.keep) {
            builder.append_value(field(i).unwrap_or_default());
        }
        Ok(raw.len())
    }
}

/// The error for field `i` of `rec`, which is not valid UTF-8.
fn utf8_error(name: &str, schema: &Schema, keep: &[usize], rec: &ByteRecord, i: usize) -> Error {
    let column = keep
        .iter()
        .position(|&k| k == i)
        .and_then(|p| schema.fields().get(p))
        .map_or_else(
            || format!("#{}", i + 1),
            |f| escape_preview(f.name().as_bytes()),
        );
    Error::InvalidUtf8 {
        path: name.to_string(),
        line: record_line(rec),
        column,
        value: escape_preview(rec.get(i).unwrap_or_default()),
    }
}

/// Turns the header row into column names: checks UTF-8 and duplicates,
/// and drops a leading byte-order mark.
fn header_names(name: &str, rec: &ByteRecord) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(rec.len());
    for (i, field) in rec.iter().enumerate() {
        let field = if i == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        match std::str::from_utf8(field) {
            Ok(s) => names.push(s.to_string()),
            Err(_) => {
                return Err(Error::InvalidUtf8 {
                    path: name.to_string(),
                    line: record_line(rec),
                    column: format!("#{} (header)", i + 1),
                    value: escape_preview(field),
                })
            }
        }
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]).then(a.cmp(&b)));
    let duplicate = order
        .windows(2)
        .filter(|w| names[w[0]] == names[w[1]])
        .min_by_key(|w| w[1]);
    if let Some(w) = duplicate {
        return Err(Error::DuplicateColumn {
            path: name.to_string(),
            name: escape_preview(names[w[0]].as_bytes()),
            first: w[0] + 1,
            second: w[1] + 1,
        });
    }
    Ok(names)
}

#[cfg(test)]
mod tests;
