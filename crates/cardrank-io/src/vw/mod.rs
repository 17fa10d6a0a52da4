//! Vowpal Wabbit text, read as a table.
//!
//! A line is `label [importance] [tag]|namespace feature[:value] ...
//! |namespace ...`. It becomes one row:
//!
//! - the **label** (the first token before the first `|`) is the target
//!   column, named after the target (`label` when none is given), kept as
//!   written (`1`, `-1`, `0.5`, `3` are all categories);
//! - the importance weight, the base and the tag are read past and
//!   ignored: every line counts once;
//! - each **namespace** is a feature column, named as written (`|user ...`
//!   is the column `user`; the default namespace, `| ...` with a space
//!   after the bar, is `default`; a namespace weight `|user:0.5` is
//!   ignored), or renamed by a namespace map;
//! - a namespace's features are its **values**, several per row: the column
//!   is an Arrow `List<Utf8>` and each distinct feature of the namespace on
//!   the line is one occurrence (a feature repeated in one namespace on one
//!   line counts once). `feature:value` stays the text `feature:value`
//!   unless numeric binning says otherwise;
//! - a namespace absent from a line is a **missing** value (an Arrow null).
//!
//! Blank lines are skipped. Errors name the line: no `|`, no label (a line
//! starting with `|` or with only a tag), invalid UTF-8, a line over 1 GiB.
//!
//! The columns must be known before the first batch: for files they come
//! from a first, fast scan over the namespaces of every line; for standard
//! input, from the first batch of lines (a namespace first seen later is an
//! error that says so). Listing the features (`--features`) skips the scan:
//! the columns are then exactly the target and the listed namespaces.

use std::io::{BufReader, Read};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::csv::MAX_ROW_BYTES;
use crate::error::{escape_preview, Error, Result};
use crate::source::{self, Progress, Source};

mod namespaces;

use namespaces::read_line;
pub(crate) use namespaces::{scan_namespaces, Seen, SharedFound};

/// The column name of VW's default namespace (`| feature ...`).
pub const DEFAULT_NAMESPACE: &str = "default";

/// The target column's name when none is given.
pub const DEFAULT_LABEL: &str = "label";

/// A batch is closed once its lines hold this many bytes (see
/// [`crate::csv::TARGET_BATCH_BYTES`]).
const MAX_BATCH_BYTES: usize = crate::csv::TARGET_BATCH_BYTES;

/// Options of the Vowpal Wabbit reader.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VwOptions {
    /// Renames: `(namespace, column)`. Namespaces not listed keep their own
    /// name; the default namespace is `default`.
    pub namespaces: Vec<(String, String)>,
}

impl VwOptions {
    /// Parses a namespace map: `a=user,b=site`, or the path of a file with
    /// one `namespace=column` (or `namespace<TAB>column`) per line.
    ///
    /// # Example
    /// ```
    /// let o = cardrank_io::VwOptions::parse_map("a=user,b=site")?;
    /// assert_eq!(o.namespaces[1], ("b".to_string(), "site".to_string()));
    /// # Ok::<(), cardrank_io::Error>(())
    /// ```
    pub fn parse_map(spec: &str) -> Result<VwOptions> {
        let text = match std::fs::read_to_string(spec) {
            Ok(t) => t,
            Err(_) if spec.contains('=') => spec.replace(',', "\n"),
            Err(e) => {
                return Err(Error::option(format!(
                    "namespace map `{spec}` is neither `ns=name,...` nor a readable file: {e}"
                )))
            }
        };
        let mut namespaces: Vec<(String, String)> = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (ns, col) = line
                .split_once('=')
                .or_else(|| line.split_once('\t'))
                .ok_or_else(|| {
                    Error::option(format!(
                        "namespace map entry `{line}` is not `namespace=column`"
                    ))
                })?;
            let (ns, col) = (ns.trim(), col.trim());
            if col.is_empty() || namespaces.iter().any(|(n, _)| n == ns) {
                return Err(Error::option(format!(
                    "namespace map entry `{line}`: empty column name or namespace given twice"
                )));
            }
            namespaces.push((ns.to_string(), col.to_string()));
        }
        Ok(VwOptions { namespaces })
    }

    /// The column of a namespace: its mapped name, or its own.
    pub(crate) fn column_of(&self, ns: &str) -> String {
        self.namespaces
            .iter()
            .find(|(n, _)| n == ns)
            .map_or_else(|| ns.to_string(), |(_, c)| c.clone())
    }
}

/// One token of a parsed line: (column, start, end) in the line's bytes.
type Token = (u32, u32, u32);

/// Streams a Vowpal Wabbit input as batches: the label, then one
/// `List<Utf8>` column per namespace.
pub(crate) struct VwReader {
    name: String,
    reader: BufReader<Box<dyn Read + Send>>,
    compression: source::Compression,
    progress: Progress,
    schema: SchemaRef,
    /// `(namespace as written, column index among the features)`.
    columns: Vec<(Vec<u8>, u32)>,
    /// Whether a namespace not in `columns` is an error (else ignored).
    strict: bool,
    /// Lines read ahead to fix the columns (standard input).
    ahead: std::collections::VecDeque<(u64, Vec<u8>)>,
    batch_size: usize,
    skip_bad_rows: bool,
    line: u64,
    buf: Vec<u8>,
    tokens: Vec<Token>,
    /// For the k-th namespace of a line, the index in `columns` it had last.
    order: Vec<usize>,
    /// With listed columns: which appeared, and the namespaces that were not
    /// listed, handed to the shared [`Found`](namespaces::Found) at the end of the input.
    found: Option<(SharedFound, Vec<bool>, Seen)>,
    /// Lines read ahead to fix the columns.
    fixed_from: usize,
    done: bool,
}

/// How the namespace columns are chosen.
pub(crate) enum VwColumns {
    /// Exactly these columns (after renaming); other namespaces are ignored.
    /// What the input held is added to the [`Found`](namespaces::Found) at its end: a listed
    /// namespace that no input has is an error then.
    Listed(Vec<String>, SharedFound),
    /// All namespaces found by a scan; the columns kept are these (after
    /// renaming, in order); a namespace not found by the scan is an error.
    Scanned {
        /// Namespaces as written, in order of first appearance.
        namespaces: Vec<String>,
        /// Which of their columns to keep.
        keep: Vec<String>,
    },
    /// Fix the columns from the first batch of lines.
    Lookahead,
}

impl VwReader {
    /// Reads `src` as VW, with the label column named `label`.
    pub(crate) fn new(
        src: Source,
        label: &str,
        cols: VwColumns,
        opts: &VwOptions,
        batch_size: usize,
        skip_bad_rows: bool,
        keep_column: &dyn Fn(&str) -> bool,
    ) -> Result<Self> {
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
        let mut this = VwReader {
            name,
            reader: BufReader::with_capacity(1 << 20, reader),
            compression,
            progress,
            schema: Arc::new(Schema::empty()),
            columns: Vec::new(),
            strict: true,
            ahead: Default::default(),
            batch_size: batch_size.max(1),
            skip_bad_rows,
            line: 0,
            buf: Vec::new(),
            tokens: Vec::new(),
            order: Vec::new(),
            found: None,
            fixed_from: 0,
            done: false,
        };
        let (namespaces, keep): (Vec<String>, Vec<String>) = match cols {
            VwColumns::Listed(keep, found) => {
                this.strict = false;
                this.found = Some((found, vec![false; keep.len()], Seen::default()));
                let ns = keep.iter().map(|c| namespace_of(opts, c)).collect();
                (ns, keep)
            }
            VwColumns::Scanned { namespaces, keep } => (namespaces, keep),
            VwColumns::Lookahead => {
                let mut seen = Seen::default();
                this.read_ahead(&mut seen)?;
                let seen = seen.into_names();
                let keep = seen
                    .iter()
                    .map(|ns| opts.column_of(ns))
                    .filter(|c| keep_column(c))
                    .collect();
                (seen, keep)
            }
        };
        let mut fields = vec![Field::new(label, DataType::Utf8, false)];
        // Sets, so that a line of many namespaces costs no more than linear.
        let wanted: hashbrown::HashSet<&str> = keep.iter().map(String::as_str).collect();
        let mut made: hashbrown::HashSet<String> = hashbrown::HashSet::new();
        for ns in &namespaces {
            let col = opts.column_of(ns);
            if col == label {
                return Err(Error::option(format!(
                    "VW namespace `{ns}` would be the column `{col}`, the name of the label; \
                     rename it with a namespace map"
                )));
            }
            if !wanted.contains(col.as_str()) {
                // A namespace that exists but is not wanted.
                this.columns.push((ns.as_bytes().to_vec(), u32::MAX));
                continue;
            }
            if !made.insert(col.clone()) {
                return Err(Error::option(format!(
                    "two VW namespaces would both be the column `{col}`"
                )));
            }
            this.columns
                .push((ns.as_bytes().to_vec(), (fields.len() - 1) as u32));
            fields.push(Field::new(col, list_type(), true));
        }
        this.columns.sort();
        this.schema = Arc::new(Schema::new(fields));
        Ok(this)
    }

    /// The schema: the label (`Utf8`), then one `List<Utf8>` per namespace.
    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Reads the first batch of lines into memory and collects their
    /// namespaces.
    fn read_ahead(&mut self, seen: &mut Seen) -> Result<()> {
        let mut bytes = 0usize;
        while self.ahead.len() < self.batch_size && bytes < MAX_BATCH_BYTES {
            let mut buf = Vec::new();
            self.line += 1;
            match read_line(&mut self.reader, &mut buf) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(self.io_error(e)),
            }
            seen.add_line(&buf);
            bytes += buf.len();
            self.ahead.push_back((self.line, buf));
        }
        self.fixed_from = self.ahead.len();
        Ok(())
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        source::io_error(&self.name, self.compression, &self.progress, self.line, e)
    }

    fn syntax(&self, line: u64, message: String) -> Error {
        Error::VwSyntax {
            path: self.name.clone(),
            line,
            message,
        }
    }

    /// Parses one line into `self.tokens`; returns the label's byte range, or
    /// `None` for a blank line.
    fn parse(&mut self, line_no: u64, line: &[u8]) -> Result<Option<(usize, usize)>> {
        if line.len() > MAX_ROW_BYTES {
            return Err(Error::RowTooLarge {
                path: self.name.clone(),
                line: line_no,
                bytes: line.len(),
                limit: MAX_ROW_BYTES,
            });
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if std::str::from_utf8(line).is_err() {
            return Err(Error::InvalidUtf8 {
                path: self.name.clone(),
                line: line_no,
                column: "(line)".into(),
                value: escape_preview(line),
            });
        }
        let bar = line.iter().position(|&b| b == b'|').ok_or_else(|| {
            self.syntax(
                line_no,
                format!(
                    "no `|` in \"{}\": a VW line is `label [importance] [tag]|namespace features...`",
                    escape_preview(line)
                ),
            )
        })?;
        let head = &line[..bar];
        let start = head.iter().position(|b| !b.is_ascii_whitespace());
        let label = match start {
            Some(s) if head[s] != b'\'' => {
                let end = head[s..]
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .map_or(head.len(), |e| s + e);
                (s, end)
            }
            _ => {
                return Err(self.syntax(
                    line_no,
                    format!(
                        "no label before the first `|` in \"{}\"",
                        escape_preview(line)
                    ),
                ))
            }
        };
        self.tokens.clear();
        let mut seg_start = bar + 1;
        let mut k = 0;
        while seg_start <= line.len() {
            let seg_end = line[seg_start..]
                .iter()
                .position(|&b| b == b'|')
                .map_or(line.len(), |e| seg_start + e);
            let seg = &line[seg_start..seg_end];
            // The namespace: the text up to the first space (default when
            // the bar is followed by a space), without a `:weight`.
            let (ns, body_from) = if seg.first().is_none_or(|b| b.is_ascii_whitespace()) {
                (DEFAULT_NAMESPACE.as_bytes(), 0)
            } else {
                let e = seg
                    .iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(seg.len());
                let name = &seg[..e];
                let name = match name.iter().rposition(|&b| b == b':') {
                    Some(i) if i > 0 => &name[..i],
                    _ => name,
                };
                (name, e)
            };
            let col = self.column_of(k, ns, line_no)?;
            k += 1;
            if col != u32::MAX {
                let mut i = body_from;
                while i < seg.len() {
                    while i < seg.len() && seg[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    let s = i;
                    while i < seg.len() && !seg[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i > s {
                        self.tokens
                            .push((col, (seg_start + s) as u32, (seg_start + i) as u32));
                    }
                }
            }
            seg_start = seg_end + 1;
        }
        Ok(Some(label))
    }

    /// The column of the `k`-th namespace of a line (`u32::MAX`: not read).
    /// Lines tend to list namespaces in the same order, so the answer for
    /// each position is remembered and checked first.
    fn column_of(&mut self, k: usize, ns: &[u8], line_no: u64) -> Result<u32> {
        if let Some(&i) = self.order.get(k) {
            if let Some(&(ref name, col)) = self.columns.get(i) {
                if name.as_slice() == ns {
                    self.mark(col);
                    return Ok(col);
                }
            }
        }
        match self.columns.binary_search_by(|(n, _)| n.as_slice().cmp(ns)) {
            Ok(i) => {
                if self.order.len() <= k {
                    self.order.resize(k + 1, usize::MAX);
                }
                self.order[k] = i;
                let col = self.columns[i].1;
                self.mark(col);
                Ok(col)
            }
            Err(_) if self.strict => Err(self.syntax(
                line_no,
                format!(
                    "namespace `{}` first appears here, after the columns were fixed from \
                     the first {} lines; list the features to read (--features) or read \
                     from a file",
                    String::from_utf8_lossy(ns),
                    self.fixed_from
                ),
            )),
            Err(_) => {
                if let Some((_, _, others)) = self.found.as_mut() {
                    others.add(ns);
                }
                Ok(u32::MAX)
            }
        }
    }

    /// Notes that a listed column's namespace appeared.
    #[inline]
    fn mark(&mut self, col: u32) {
        if let Some((_, present, _)) = self.found.as_mut() {
            if let Some(p) = present.get_mut(col as usize) {
                *p = true;
            }
        }
    }

    /// Appends a parsed line to the builders.
    fn append(
        tokens: &mut [Token],
        text: &str,
        label: (usize, usize),
        label_b: &mut StringBuilder,
        cols: &mut [ListBuilder<StringBuilder>],
    ) {
        let tok = |t: &Token| &text[t.1 as usize..t.2 as usize];
        tokens.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| tok(a).cmp(tok(b))));
        label_b.append_value(&text[label.0..label.1]);
        let mut k = 0;
        for (c, b) in cols.iter_mut().enumerate() {
            let mut any = false;
            let mut last: Option<&str> = None;
            while k < tokens.len() && tokens[k].0 as usize == c {
                let v = tok(&tokens[k]);
                if last != Some(v) {
                    b.values().append_value(v);
                    last = Some(v);
                }
                any = true;
                k += 1;
            }
            b.append(any);
        }
    }

    fn next_line(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        if let Some(l) = self.ahead.pop_front() {
            return Ok(Some(l));
        }
        let mut buf = std::mem::take(&mut self.buf);
        self.line += 1;
        match read_line(&mut self.reader, &mut buf) {
            Ok(true) => Ok(Some((self.line, buf))),
            Ok(false) => {
                if let Some((shared, present, others)) = self.found.take() {
                    let mut found = shared.lock().unwrap_or_else(|e| e.into_inner());
                    found.add(&present, &others);
                }
                Ok(None)
            }
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        let n_cols = self.schema.fields().len() - 1;
        let mut label_b = StringBuilder::new();
        // What is reserved up front stays within the batch's byte budget,
        // however many namespaces there are (the builders grow as needed).
        let cap = (MAX_BATCH_BYTES / 16 / n_cols.max(1)).min(1024);
        let item = Arc::new(Field::new("item", DataType::Utf8, false));
        let mut cols: Vec<ListBuilder<StringBuilder>> = (0..n_cols)
            .map(|_| {
                ListBuilder::with_capacity(StringBuilder::with_capacity(cap, cap * 4), cap)
                    .with_field(Arc::clone(&item))
            })
            .collect();
        let mut rows = 0usize;
        let mut bytes = 0usize;
        while rows < self.batch_size && bytes < MAX_BATCH_BYTES {
            let Some((line_no, line)) = self.next_line()? else {
                break;
            };
            match self.parse(line_no, &line) {
                Ok(None) => {}
                Ok(Some(label)) => {
                    // `parse` checked the line is UTF-8.
                    let text = std::str::from_utf8(&line).unwrap_or_default();
                    let mut tokens = std::mem::take(&mut self.tokens);
                    Self::append(&mut tokens, text, label, &mut label_b, &mut cols);
                    self.tokens = tokens;
                    rows += 1;
                    bytes += line.len();
                }
                Err(e @ (Error::VwSyntax { .. } | Error::InvalidUtf8 { .. }))
                    if self.skip_bad_rows =>
                {
                    self.progress.skip_row(&e);
                }
                Err(e) => return Err(e),
            }
            self.buf = line;
        }
        if rows == 0 {
            return Ok(None);
        }
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(label_b.finish())];
        arrays.extend(cols.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
        self.progress.add_rows(rows as u64);
        RecordBatch::try_new(self.schema(), arrays)
            .map(Some)
            .map_err(|e| self.syntax(self.line, e.to_string()))
    }
}

/// The namespace whose column is `col` (the inverse of the map).
fn namespace_of(opts: &VwOptions, col: &str) -> String {
    opts.namespaces
        .iter()
        .find(|(_, c)| c == col)
        .map_or_else(|| col.to_string(), |(n, _)| n.clone())
}

/// The type of a namespace column.
pub(crate) fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, false)))
}

impl Iterator for VwReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.read_batch();
        crate::source::fused_step(&mut self.done, read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_map() {
        let o = VwOptions::parse_map("a=user, b = site").unwrap();
        assert_eq!(o.column_of("a"), "user");
        assert_eq!(o.column_of("c"), "c");
        assert!(VwOptions::parse_map("a=x,a=y").is_err());
        assert!(VwOptions::parse_map("nonsense").is_err());
    }
}
