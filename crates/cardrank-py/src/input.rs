//! Arrow data handed over from Python, checked before the core reads it.
//!
//! The Arrow C data interface carries no buffer sizes: whatever a producer
//! hands over is trusted, and the core reads strings by their offsets
//! without bounds checks. An array built wrongly (negative or decreasing
//! string offsets, a dictionary key past the dictionary) would read outside
//! its buffers or be ranked as garbage. So every imported batch is checked
//! here first, and a bad one raises `InvalidArrayError` (an `InputError`):
//!
//! - every array's structure and null count, its offsets (monotonic, inside
//!   the values) and its dictionary keys (inside the dictionary), children
//!   included, as `ArrayData::validate_full` does;
//! - except that strings are not checked to be UTF-8 (the core reads them
//!   as bytes, so it costs a pass over the text and protects nothing);
//! - and the column names are unique (`DuplicateColumnError`, as for a file).
//!
//! One limit of the interface remains: for a string array, the length of
//! the values buffer is taken from the last offset, so a last offset past
//! the producer's real buffer cannot be seen here. The Python side asks
//! pyarrow to check its own arrays before they cross (`Table.validate()`).

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_data::ArrayData;
use arrow_schema::{ArrowError, DataType, FieldRef, Schema, SchemaRef};
use pyo3::Python;
use pyo3_arrow::input::AnyRecordBatch;

use crate::errors::Failure;
use crate::options::Options;

/// The batches of `reader`, each checked ([`check_batch`]) on at most
/// `threads` threads (`None`: one per core), after a check of the column
/// names.
pub(crate) fn checked(
    reader: Box<dyn RecordBatchReader + Send>,
    threads: Option<usize>,
) -> Result<impl Iterator<Item = Result<RecordBatch, Failure>> + Send, Failure> {
    check_names(&reader.schema())?;
    Ok(reader.map(move |batch| {
        let batch = batch?;
        check_batch(&batch, threads)?;
        Ok(batch)
    }))
}

/// Arrow data read into memory for a run of several passes: its batches,
/// each checked ([`checked`], on the threads the options give a ranker for
/// `target`), and its schema.
pub(crate) fn read_all(
    py: Python<'_>,
    data: AnyRecordBatch,
    target: &str,
    o: &Options,
) -> Result<(Vec<RecordBatch>, SchemaRef), Failure> {
    let reader = data.into_reader()?;
    let schema = reader.schema();
    let threads = o.resolved_threads(target)?;
    let batches = py.detach(|| checked(reader, threads)?.collect::<Result<Vec<_>, _>>())?;
    Ok((batches, schema))
}

/// Fails on a column name given twice.
pub(crate) fn check_names(schema: &Schema) -> Result<(), Failure> {
    let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(Failure::Named(
                "DuplicateColumnError",
                format!(
                    "column `{name}` appears twice in the input's columns; rename one (a ranking needs unique names)"
                ),
            ));
        }
    }
    Ok(())
}

/// Fails on a column whose buffers do not hold what its type says (the
/// first such column). The columns are checked on up to `threads` scoped
/// threads of this call's own (`None`: one per core), not on a thread pool:
/// a process forked after using a pool has none of its threads, and would
/// wait for them for ever.
pub(crate) fn check_batch(batch: &RecordBatch, threads: Option<usize>) -> Result<(), Failure> {
    let schema = batch.schema();
    let columns: Vec<(&FieldRef, &ArrayRef)> =
        schema.fields().iter().zip(batch.columns()).collect();
    let threads = threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .min(columns.len())
        .max(1);
    let per = columns.len().div_ceil(threads).max(1);
    let bad = if threads == 1 {
        first_bad(&columns)
    } else {
        std::thread::scope(|scope| {
            let parts: Vec<_> = columns
                .chunks(per)
                .map(|part| scope.spawn(move || first_bad(part)))
                .collect();
            // In column order: the first part with a bad column names it.
            parts
                .into_iter()
                .map(|h| h.join().unwrap_or(None))
                .collect::<Vec<_>>()
                .into_iter()
                .flatten()
                .next()
        })
    };
    match bad {
        None => Ok(()),
        Some((field, e)) => Err(Failure::Named(
            "InvalidArrayError",
            format!(
                "column `{}` is not a valid Arrow array ({}): {e}",
                field.name(),
                field.data_type()
            ),
        )),
    }
}

/// The first column of `part` whose buffers are not valid, with why.
fn first_bad<'a>(part: &[(&'a FieldRef, &'a ArrayRef)]) -> Option<(&'a FieldRef, ArrowError)> {
    part.iter()
        .find_map(|&(field, column)| check_data(&column.to_data()).err().map(|e| (field, e)))
}

/// `validate_full`, with strings checked as bytes (offsets, not UTF-8).
fn check_data(data: &ArrayData) -> Result<(), ArrowError> {
    let as_bytes = match data.data_type() {
        DataType::Utf8 => Some(DataType::Binary),
        DataType::LargeUtf8 => Some(DataType::LargeBinary),
        DataType::Utf8View => Some(DataType::BinaryView),
        _ => None,
    };
    match as_bytes {
        // `build` checks the layout, the null count and every offset.
        Some(t) => data.clone().into_builder().data_type(t).build().map(|_| ()),
        None => {
            data.validate_data()?;
            data.child_data().iter().try_for_each(check_data)
        }
    }
}
