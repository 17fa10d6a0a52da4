//! Batch transforms between a reader and the ranker: sampling, multivalue
//! columns and numeric binning, applied in that order, each reported in the
//! [`InputReport`](crate::InputReport).
//!
//! - **Sampling** (`sample_rate` R in (0, 1]): row i (counted from 0 over
//!   all inputs, bad rows skipped excluded) is kept when a seeded 64-bit hash
//!   of i is below R * 2^64. The same data, rate and seed keep the same rows
//!   whatever the format or batch size.
//! - **Multivalue** (`column`, `separator`): a text column whose fields hold
//!   several values becomes a list column; each distinct non-empty piece of
//!   a field is one occurrence of a value (pieces repeated in one field count
//!   once; empty pieces are dropped). A field that is missing (null or a
//!   missing token) or has no piece is one missing occurrence. The ranker
//!   then counts (value, target) per occurrence: the feature's N is its
//!   number of occurrences, and MI, EMI and the rest are those of "a value
//!   drawn from a row's values" against that row's target.
//! - **Numeric binning**: see [`crate::numeric`].

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::numeric::{self, Binner, NumericMode};
use crate::read::{open, BatchSource, ReadOptions};
use crate::report::NumericColumn;
use crate::source::{self, Progress};

/// What to do to the batches between reading and ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct Transforms {
    /// The target column, which is never transformed.
    pub target: Option<String>,
    /// Numeric binning.
    pub numeric: NumericMode,
    /// Multivalue columns: `(column, separator)`.
    pub multivalue: Vec<(String, String)>,
    /// Share of rows kept, in (0, 1] (`None`: all).
    pub sample_rate: Option<f64>,
    /// Seed of the sampling hash.
    pub seed: u64,
    /// Values that count as missing (never parsed as numbers). Default `[""]`.
    pub missing: Vec<String>,
}

impl Default for Transforms {
    fn default() -> Self {
        Transforms {
            target: None,
            numeric: NumericMode::None,
            multivalue: Vec::new(),
            sample_rate: None,
            seed: 0,
            missing: vec![String::new()],
        }
    }
}

impl Transforms {
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(r) = self.sample_rate {
            if !(r > 0.0 && r <= 1.0) {
                return Err(Error::option(format!(
                    "sample rate must be in (0, 1], got {r}"
                )));
            }
        }
        for (col, sep) in &self.multivalue {
            if sep.is_empty() {
                return Err(Error::option(format!(
                    "multivalue column `{col}` needs a non-empty separator"
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn is_identity(&self) -> bool {
        self.numeric == NumericMode::None
            && self.multivalue.is_empty()
            && self.sample_rate.is_none()
    }
}

/// [`open`]s the inputs and applies the transforms. With
/// `quantile` binning the inputs are read twice (edges first); standard
/// input then is an error.
///
/// # Example
/// ```
/// use cardrank_io::{open_with, NumericMode, ReadOptions, Transforms};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = std::env::temp_dir().join(format!("cardrank-tr-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("t.csv");
/// std::fs::write(&path, "y,price,tags\n1,3,a;b\n0,12,b\n1,100,\n")?;
/// let t = Transforms {
///     target: Some("y".into()),
///     numeric: NumericMode::Log(10.0),
///     multivalue: vec![("tags".into(), ";".into())],
///     ..Transforms::default()
/// };
/// let source = open_with(&[path], &ReadOptions::default(), &t)?;
/// let batch = source.into_iter().next().unwrap()?;
/// use arrow_array::cast::AsArray;
/// assert_eq!(batch.column(1).as_string::<i32>().value(1), "[10^1,10^2)");
/// assert_eq!(batch.column(2).as_list::<i32>().value(0).len(), 2);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub fn open_with(
    inputs: &[PathBuf],
    read: &ReadOptions,
    t: &Transforms,
) -> Result<Box<dyn BatchSource>> {
    t.check()?;
    let mut preset = None;
    if let NumericMode::Quantile(k) = t.numeric {
        if inputs.iter().any(|p| source::is_stdin(p)) {
            return Err(Error::Unsupported {
                path: source::STDIN_NAME.into(),
                message: "quantile binning reads the input twice (edges first) and standard \
                          input can be read only once; save it to a file or use --numeric log"
                    .into(),
            });
        }
        let mut first = Transformed::new(open(inputs, read)?, t, None)?;
        first.sketch_only = true;
        for batch in first.by_ref() {
            batch?;
        }
        preset = Some(first.finish_edges(k));
    }
    let inner = open(inputs, read)?;
    if t.is_identity() {
        return Ok(inner);
    }
    let out = Transformed::new(inner, t, preset)?;
    out.progress.lock().passes = if matches!(t.numeric, NumericMode::Quantile(_)) {
        2
    } else {
        1
    };
    Ok(Box::new(out))
}

/// The numeric plan: columns to bin, decided on the first batch.
type NumericPlan = Vec<(usize, Binner)>;

struct Transformed {
    inner: Box<dyn BatchSource>,
    t: Transforms,
    progress: Progress,
    schema: SchemaRef,
    /// Multivalue columns, by index: separator.
    multivalue: Vec<(usize, String)>,
    target: Option<usize>,
    numeric: Option<NumericPlan>,
    /// Quantile mode's first pass: one sketch per numeric column.
    sketches: Vec<sketches_ddsketch::DDSketch>,
    sketch_only: bool,
    /// Rows seen so far (the sampling hash's input).
    row: u64,
    done: bool,
}

impl Transformed {
    fn new(
        inner: Box<dyn BatchSource>,
        t: &Transforms,
        preset: Option<NumericPlan>,
    ) -> Result<Self> {
        let progress = inner.progress();
        let schema = inner.schema();
        let index = |name: &str| schema.fields().iter().position(|f| f.name() == name);
        let target = t.target.as_deref().and_then(index);
        let mut multivalue = Vec::new();
        for (col, sep) in &t.multivalue {
            let i = index(col).ok_or_else(|| Error::UnknownColumn {
                role: "multivalue",
                path: progress
                    .report()
                    .files
                    .first()
                    .map(|f| f.path.clone())
                    .unwrap_or_default(),
                column: col.clone(),
                available: crate::error::list_preview(
                    &schema
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect::<Vec<_>>(),
                ),
            })?;
            if Some(i) == target {
                return Err(Error::option(format!(
                    "the target `{col}` cannot be multivalue"
                )));
            }
            let dt = schema.field(i).data_type();
            if !matches!(
                dt,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) {
                return Err(Error::option(format!(
                    "multivalue column `{col}` must be text, it is {dt}"
                )));
            }
            multivalue.push((i, sep.clone()));
            progress.lock().add_multivalue(col, sep);
        }
        // The output schema: multivalue columns become lists; numeric-typed
        // columns become text when binned.
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if multivalue.iter().any(|(m, _)| *m == i) {
                    Field::new(f.name(), crate::vw::list_type(), true)
                } else if t.numeric != NumericMode::None
                    && Some(i) != target
                    && numeric::is_numeric_type(f.data_type())
                {
                    Field::new(f.name(), DataType::Utf8, true)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        {
            let mut r = progress.lock();
            r.sample_rate = t.sample_rate;
            r.seed = t.sample_rate.map(|_| t.seed);
            r.numeric.mode = t.numeric.to_string();
            r.passes = 1;
        }
        let mut this = Transformed {
            inner,
            t: t.clone(),
            progress,
            schema: Arc::new(Schema::new(fields)),
            multivalue,
            target,
            numeric: None,
            sketches: Vec::new(),
            sketch_only: false,
            row: 0,
            done: false,
        };
        if let Some(plan) = preset {
            this.set_plan(plan);
        }
        Ok(this)
    }

    fn set_plan(&mut self, plan: NumericPlan) {
        let names = self.schema.fields();
        self.progress.lock().numeric.columns = plan
            .iter()
            .map(|(i, b)| NumericColumn {
                column: names[*i].name().clone(),
                edges: b.edges.clone(),
            })
            .collect();
        self.numeric = Some(plan);
    }

    /// Ends the first pass: the edges of every numeric column.
    fn finish_edges(&self, k: usize) -> NumericPlan {
        self.numeric
            .iter()
            .flatten()
            .zip(&self.sketches)
            .map(|((i, _), s)| {
                let edges = numeric::quantile_edges(s, k);
                (*i, Binner::new(NumericMode::Quantile(k), edges))
            })
            .collect()
    }

    fn sample(&mut self, batch: RecordBatch) -> Result<RecordBatch> {
        let n = batch.num_rows() as u64;
        let start = self.row;
        self.row += n;
        let Some(rate) = self.t.sample_rate else {
            return Ok(batch);
        };
        if rate >= 1.0 {
            self.progress.add_kept(n);
            return Ok(batch);
        }
        let threshold = (rate * 18_446_744_073_709_551_616.0) as u64;
        let seed = splitmix64(self.t.seed);
        let mask: BooleanArray = (start..start + n)
            .map(|r| Some(splitmix64(seed ^ splitmix64(r)) < threshold))
            .collect();
        let kept = arrow_select::filter::filter_record_batch(&batch, &mask)
            .map_err(|e| Error::option(e.to_string()))?;
        self.progress.add_kept(kept.num_rows() as u64);
        Ok(kept)
    }

    fn apply(&mut self, batch: RecordBatch) -> Result<RecordBatch> {
        let batch = self.sample(batch)?;
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        for (i, sep) in &self.multivalue {
            columns[*i] = split_column(columns[*i].as_ref(), sep, &self.t.missing);
        }
        if self.t.numeric != NumericMode::None && self.numeric.is_none() {
            let plan = (0..columns.len())
                .filter(|&i| Some(i) != self.target)
                .filter(|&i| numeric::looks_numeric(columns[i].as_ref(), &self.t.missing))
                .map(|i| (i, Binner::new(self.t.numeric, Vec::new())))
                .collect::<NumericPlan>();
            self.sketches = plan.iter().map(|_| numeric::new_sketch()).collect();
            self.set_plan(plan);
        }
        if self.sketch_only {
            for ((i, _), s) in self.numeric.iter().flatten().zip(&mut self.sketches) {
                Binner::sketch(columns[*i].as_ref(), &self.t.missing, s);
            }
            return Ok(batch);
        }
        for (i, binner) in self.numeric.iter().flatten() {
            columns[*i] = binner.apply(columns[*i].as_ref(), &self.t.missing)?;
        }
        // Types may differ from the declared schema between files (e.g. an
        // Int32 column in one Parquet file and Int64 in the next), so each
        // batch carries its own.
        let fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .zip(&columns)
            .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
            .collect();
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
            .map_err(|e| Error::option(e.to_string()))
    }
}

/// Splits a text column into a list column (see the module docs).
fn split_column(array: &dyn Array, sep: &str, missing: &[String]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
        "item",
        DataType::Utf8,
        false,
    )));
    let mut pieces: Vec<&str> = Vec::new();
    for v in numeric::strings(array) {
        match v {
            Some(v) if !missing.iter().any(|m| m == v) => {
                pieces.clear();
                pieces.extend(v.split(sep).filter(|p| !p.is_empty()));
                pieces.sort_unstable();
                pieces.dedup();
                for p in &pieces {
                    b.values().append_value(p);
                }
                b.append(!pieces.is_empty());
            }
            _ => b.append(false),
        }
    }
    Arc::new(b.finish())
}

/// SplitMix64 finaliser: a bijection on `u64` that mixes well.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Iterator for Transformed {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.inner.next() {
            Some(Ok(b)) => {
                let out = self.apply(b);
                if out.is_err() {
                    self.done = true;
                }
                Some(out)
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(e))
            }
            None => {
                self.done = true;
                None
            }
        }
    }
}

impl BatchSource for Transformed {
    fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }

    fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::StringArray;

    #[test]
    fn split_drops_empty_and_repeated_pieces() {
        let a = StringArray::from(vec![Some("b;a;b"), Some(""), None, Some(";;"), Some("NA")]);
        let l = split_column(&a, ";", &["".into(), "NA".into()]);
        let l = l.as_list::<i32>();
        let first = l.value(0);
        let row0: Vec<&str> = first.as_string::<i32>().iter().flatten().collect();
        assert_eq!(row0, vec!["a", "b"]);
        assert!(l.is_null(1) && l.is_null(2) && l.is_null(3) && l.is_null(4));
    }

    #[test]
    fn sampling_hash_is_uniform_enough() {
        let seed = splitmix64(7);
        let threshold = (0.25 * 18_446_744_073_709_551_616.0) as u64;
        let kept = (0..100_000u64)
            .filter(|&r| splitmix64(seed ^ splitmix64(r)) < threshold)
            .count();
        assert!((24_000..26_000).contains(&kept), "{kept}");
    }
}
