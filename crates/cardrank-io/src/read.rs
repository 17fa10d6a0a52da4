//! One entry point for every input: [`open`] turns a list of paths (files,
//! globs, `-` for standard input) into one stream of record batches, a
//! [`BatchSource`].
//!
//! Each input's format is recognised on its own (see [`crate::format`]);
//! several inputs are read one after the other as one data set, and must
//! have the same columns (after projection) as the first: the error names
//! the file that differs. Only the target and the requested features are
//! read ([`Projection`]): Parquet and Arrow IPC files skip the other columns'
//! bytes, CSV/TSV never copies them, VW never builds them.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::csv::{CsvOptions, CsvReader};
use crate::error::{list_preview, Error, Result};
use crate::format::Format;
use crate::ipc::IpcReader;
use crate::pq::ParquetReader;
use crate::source::{self, Progress, Source};
use crate::vw::{self, VwColumns, VwOptions, VwReader};

/// A stream of record batches with a fixed set of columns.
///
/// Every reader of this crate is one; so is the output of
/// [`crate::transform::open_with`].
pub trait BatchSource: Iterator<Item = Result<RecordBatch>> + Send {
    /// The columns of every batch (types may differ between files of a
    /// multi-file input; names and order never do).
    fn schema(&self) -> SchemaRef;

    /// A handle on bytes and rows read, rows skipped and the input report;
    /// it stays valid after the source moved to another thread.
    fn progress(&self) -> Progress;
}

/// Which columns to read: the target, and the features (all but the
/// excluded ones, or only the listed ones).
///
/// Names that are not in the input are an error ([`Error::UnknownColumn`]).
/// In Vowpal Wabbit input, where a namespace may first appear on any line,
/// a listed feature whose namespace no line of any input has is that error
/// at the end of the read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projection {
    /// The target column (always read; for VW, the name of the label).
    pub target: Option<String>,
    /// Only these features (`None`: all columns).
    pub features: Option<Vec<String>>,
    /// Features left out.
    pub exclude: Vec<String>,
}

impl Projection {
    /// Every column.
    pub fn all() -> Projection {
        Projection::default()
    }

    /// Whether a column is read, by name alone.
    pub fn wants(&self, name: &str) -> bool {
        if self.target.as_deref() == Some(name) {
            return true;
        }
        if self.exclude.iter().any(|e| e == name) {
            return false;
        }
        match &self.features {
            Some(list) => list.iter().any(|f| f == name),
            None => true,
        }
    }

    /// Indices (in input order) of the columns to read from an input with
    /// these column names; every name asked for must exist.
    pub(crate) fn resolve(&self, path: &str, names: &[String]) -> Result<Vec<usize>> {
        let asked = self
            .target
            .iter()
            .map(|t| ("target", t))
            .chain(self.features.iter().flatten().map(|f| ("feature", f)))
            .chain(self.exclude.iter().map(|e| ("excluded", e)));
        for (role, name) in asked {
            if !names.iter().any(|n| n == name) {
                return Err(Error::UnknownColumn {
                    path: path.to_string(),
                    role,
                    column: crate::error::escape_preview(name.as_bytes()),
                    available: list_preview(names),
                });
            }
        }
        Ok((0..names.len())
            .filter(|&i| self.wants(&names[i]))
            .collect())
    }
}

/// Options of [`open`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format of every input (`None`: recognise each; see
    /// [`crate::format`]).
    pub format: Option<Format>,
    /// CSV/TSV options (delimiter, header, batch size, bad rows). The batch
    /// size and `skip_bad_rows` apply to every format that has them.
    pub csv: CsvOptions,
    /// The columns to read.
    pub columns: Projection,
    /// Vowpal Wabbit options.
    pub vw: VwOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            csv: CsvOptions::default(),
            columns: Projection::all(),
            vw: VwOptions::default(),
        }
    }
}

/// Expands glob patterns (`*`, `?`, `[...]`) among the inputs, in sorted
/// order; a path that exists is taken as it is, and `-` is standard input.
///
/// # Example
/// ```
/// # use std::path::PathBuf;
/// let err = cardrank_io::expand_inputs(&[PathBuf::from("/no/such/dir/*.csv")]).unwrap_err();
/// assert_eq!(err.kind_name(), "no_match");
/// ```
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        let text = p.to_string_lossy();
        let is_pattern = text.contains(['*', '?', '[']);
        if source::is_stdin(p) || !is_pattern || p.exists() {
            out.push(p.clone());
            continue;
        }
        let paths = glob::glob(&text)
            .map_err(|e| Error::option(format!("invalid glob pattern `{text}`: {e}")))?;
        let mut found: Vec<PathBuf> = paths
            .filter_map(|r| r.ok())
            .filter(|p| p.is_file())
            .collect();
        if found.is_empty() {
            return Err(Error::NoMatch {
                pattern: text.into_owned(),
            });
        }
        found.sort();
        out.append(&mut found);
    }
    if out.is_empty() {
        return Err(Error::option("no input given"));
    }
    if out.iter().filter(|p| source::is_stdin(p)).count() > 1 {
        return Err(Error::option("standard input (`-`) can be read only once"));
    }
    Ok(out)
}

/// Opens one or more inputs (globs expanded) as one stream of batches.
///
/// # Example
/// ```
/// use cardrank_io::{open, Projection, ReadOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("cardrank-open-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("a.csv"), "click,site,x\n1,a,u\n0,b,v\n")?;
/// std::fs::write(dir.join("b.csv"), "click,site,x\n1,a,w\n")?;
/// let opts = ReadOptions {
///     columns: Projection { target: Some("click".into()), features: Some(vec!["site".into()]), ..Projection::all() },
///     ..ReadOptions::default()
/// };
/// let source = open(&[dir.join("*.csv")], &opts)?;
/// assert_eq!(source.schema().fields().len(), 2);
/// let progress = source.progress();
/// let rows: usize = source.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
/// assert_eq!((rows, progress.report().files.len()), (3, 2));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub fn open(inputs: &[PathBuf], opts: &ReadOptions) -> Result<Box<dyn BatchSource>> {
    if opts.csv.batch_size == 0 {
        return Err(Error::option("batch size must be at least 1, got 0"));
    }
    let paths = expand_inputs(inputs)?;
    let mut total = Some(0u64);
    for p in &paths {
        total = match (total, source::file_size(p)?) {
            (Some(t), Some(s)) => Some(t + s),
            _ => None,
        };
    }
    let progress = Progress::new(total);
    let mut multi = MultiReader {
        paths,
        next: 0,
        current: None,
        first: String::new(),
        schema: SchemaRef::new(arrow_schema::Schema::empty()),
        order: None,
        vw_namespaces: None,
        vw_found: None,
        opts: opts.clone(),
        progress,
        done: false,
    };
    multi.vw_namespaces = multi.scan_vw()?;
    multi.open_next()?;
    Ok(Box::new(multi))
}

/// Reads one in-memory or piped stream (plain, gzip or zstd) of a streamable
/// format: CSV, TSV, Vowpal Wabbit or an Arrow IPC stream. `name` is used in
/// messages and, with no format given, to recognise it like a path.
///
/// # Example
/// ```
/// use std::io::Cursor;
/// use cardrank_io::{open_reader, Format, ReadOptions};
///
/// let text = "1 |user u1 |site s1\n-1 'tag|user u2\n";
/// let opts = ReadOptions::default();
/// let source = open_reader("clicks", Box::new(Cursor::new(text)), Some(Format::Vw), &opts)?;
/// let names: Vec<String> = source.schema().fields().iter().map(|f| f.name().clone()).collect();
/// assert_eq!(names, ["label", "user", "site"]);
/// # Ok::<(), cardrank_io::Error>(())
/// ```
pub fn open_reader(
    name: &str,
    reader: Box<dyn std::io::Read + Send>,
    format: Option<Format>,
    opts: &ReadOptions,
) -> Result<Box<dyn BatchSource>> {
    if opts.csv.batch_size == 0 {
        return Err(Error::option("batch size must be at least 1, got 0"));
    }
    let progress = Progress::new(None);
    let mut src = source::open_reader_with(name, reader, &progress)?;
    let format = match format.or(opts.format) {
        Some(f) => f,
        None => {
            let prefix = src.peek(8)?;
            Format::from_magic(&prefix)
                .or_else(|| Format::from_name(Path::new(name)))
                .unwrap_or(Format::Csv)
        }
    };
    let mut multi = MultiReader {
        paths: Vec::new(),
        next: 0,
        current: None,
        first: String::new(),
        schema: SchemaRef::new(arrow_schema::Schema::empty()),
        order: None,
        vw_namespaces: None,
        vw_found: None,
        opts: opts.clone(),
        progress,
        done: false,
    };
    if format == Format::Parquet {
        return Err(Error::Unsupported {
            path: name.to_string(),
            message: "Parquet needs random access and cannot be read from a stream; \
                      write it to a file first"
                .into(),
        });
    }
    // "-": a stream without random access, whatever its name.
    multi.open_source(Path::new("-"), format, src)?;
    Ok(Box::new(multi))
}

/// One input's reader.
type FileSource = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// Several inputs read one after the other, with the first's columns.
struct MultiReader {
    paths: Vec<PathBuf>,
    next: usize,
    current: Option<FileSource>,
    first: String,
    schema: SchemaRef,
    /// How to reorder the current input's columns into the first's order.
    order: Option<Vec<usize>>,
    /// For VW inputs without a feature list: all namespaces of all files.
    vw_namespaces: Option<Vec<String>>,
    /// For VW inputs with a feature list: what they held, checked at the
    /// end (with the name of the first VW input).
    vw_found: Option<(vw::SharedFound, String)>,
    opts: ReadOptions,
    progress: Progress,
    done: bool,
}

/// Opens a path and recognises its format.
pub(crate) fn detect(
    path: &Path,
    given: Option<Format>,
    progress: &Progress,
) -> Result<(Format, Source)> {
    let mut src = source::open_path_with(path, progress)?;
    if let Some(f) = given {
        return Ok((f, src));
    }
    let prefix = src.peek(8)?;
    let format = Format::from_magic(&prefix)
        .or_else(|| Format::from_name(path))
        .unwrap_or(Format::Csv);
    Ok((format, src))
}

impl MultiReader {
    /// The first pass over VW files that fixes their columns, when needed.
    fn scan_vw(&self) -> Result<Option<Vec<String>>> {
        if self.opts.columns.features.is_some() {
            return Ok(None);
        }
        let mut seen = vw::Seen::default();
        let mut any = false;
        for p in self.paths.iter().filter(|p| !source::is_stdin(p)) {
            let scratch = Progress::new(None);
            let (format, src) = detect(p, self.opts.format, &scratch)?;
            if format == Format::Vw {
                any = true;
                vw::scan_namespaces(src, &mut seen)?;
            }
        }
        Ok(any.then(|| seen.into_names()))
    }

    /// Opens the next input; `false` when there is none.
    fn open_next(&mut self) -> Result<bool> {
        let Some(path) = self.paths.get(self.next).cloned() else {
            return Ok(false);
        };
        self.next += 1;
        let (format, src) = detect(&path, self.opts.format, &self.progress)?;
        self.open_source(&path, format, src)?;
        Ok(true)
    }

    /// Starts reading an opened input.
    fn open_source(&mut self, path: &Path, format: Format, src: Source) -> Result<()> {
        let path = path.to_path_buf();
        let name = src.name.clone();
        self.progress
            .lock()
            .add_file(&name, format, src.compression);
        let cols = &self.opts.columns;
        let batch_size = self.opts.csv.batch_size;
        let (reader, schema): (FileSource, SchemaRef) = match format {
            Format::Csv | Format::Tsv => {
                if src.empty {
                    return Err(Error::Empty { path: name });
                }
                let mut r = CsvReader::from_source(src, format == Format::Tsv, &self.opts.csv)?;
                let names: Vec<String> = r
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                r.project(cols.resolve(&name, &names)?)?;
                let s = r.schema();
                (Box::new(r), s)
            }
            Format::Parquet => {
                if src.compression != source::Compression::None {
                    return Err(Error::Unsupported {
                        path: name,
                        message: format!(
                            "Parquet inside {} needs random access; decompress it first",
                            src.compression
                        ),
                    });
                }
                drop(src);
                let r = ParquetReader::open(&path, cols, batch_size, &self.progress)?;
                let s = r.schema();
                (Box::new(r), s)
            }
            Format::Ipc => {
                if src.empty {
                    return Err(Error::Empty { path: name });
                }
                let r = IpcReader::open(&path, src, cols, &self.progress)?;
                let s = r.schema();
                (Box::new(r), s)
            }
            Format::Vw => {
                let label = cols.target.as_deref().unwrap_or(vw::DEFAULT_LABEL);
                let vw_cols = match (&cols.features, &self.vw_namespaces) {
                    (Some(list), _) => {
                        let (found, _) = self
                            .vw_found
                            .get_or_insert_with(|| (Default::default(), name.clone()));
                        VwColumns::Listed(list.clone(), std::sync::Arc::clone(found))
                    }
                    (None, Some(ns)) => {
                        let all: Vec<String> =
                            ns.iter().map(|n| self.opts.vw.column_of(n)).collect();
                        let mut names = vec![label.to_string()];
                        names.extend(all.iter().cloned());
                        let keep = cols.resolve(&name, &names)?;
                        VwColumns::Scanned {
                            namespaces: ns.clone(),
                            keep: keep.into_iter().skip(1).map(|i| names[i].clone()).collect(),
                        }
                    }
                    (None, None) => VwColumns::Lookahead,
                };
                let keep = |c: &str| cols.wants(c);
                let r = VwReader::new(
                    src,
                    label,
                    vw_cols,
                    &self.opts.vw,
                    batch_size,
                    self.opts.csv.skip_bad_rows,
                    &keep,
                )?;
                let s = r.schema();
                (Box::new(r), s)
            }
        };
        if self.first.is_empty() {
            self.first = name;
            self.schema = schema;
            self.order = None;
        } else {
            self.order = Some(self.reorder(&name, &schema)?);
        }
        self.current = Some(reader);
        Ok(())
    }

    /// At the end of the read: every listed feature's namespace must have
    /// appeared in some VW input.
    fn check_vw_found(&self) -> Result<()> {
        match (&self.vw_found, &self.opts.columns.features) {
            (Some((found, name)), Some(list)) => found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .check(name, list),
            _ => Ok(()),
        }
    }

    /// Indices that put an input's columns in the first input's order.
    fn reorder(&self, name: &str, schema: &SchemaRef) -> Result<Vec<usize>> {
        let mine: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
        let first: Vec<&String> = self.schema.fields().iter().map(|f| f.name()).collect();
        let missing: Vec<&&String> = first.iter().filter(|n| !mine.contains(n)).collect();
        let extra: Vec<&&String> = mine.iter().filter(|n| !first.contains(n)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            let mut detail = Vec::new();
            if !missing.is_empty() {
                detail.push(format!("it lacks {}", list_preview(&missing)));
            }
            if !extra.is_empty() {
                detail.push(format!("it has {} in addition", list_preview(&extra)));
            }
            return Err(Error::SchemaMismatch {
                path: name.to_string(),
                first: self.first.clone(),
                detail: detail.join("; "),
            });
        }
        Ok(first
            .iter()
            .filter_map(|n| mine.iter().position(|m| m == n))
            .collect())
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(r) = self.current.as_mut() {
                match r.next() {
                    Some(Ok(b)) => {
                        return match &self.order {
                            Some(o) if o.iter().enumerate().any(|(i, &j)| i != j) => b
                                .project(o)
                                .map(Some)
                                .map_err(|e| Error::option(e.to_string())),
                            _ => Ok(Some(b)),
                        }
                    }
                    Some(Err(e)) => return Err(e),
                    None => self.current = None,
                }
            }
            if !self.open_next()? {
                self.check_vw_found()?;
                return Ok(None);
            }
        }
    }
}

impl Iterator for MultiReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.next_batch();
        crate::source::fused_step(&mut self.done, read)
    }
}

impl BatchSource for MultiReader {
    fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }

    fn progress(&self) -> Progress {
        self.progress.clone()
    }
}
