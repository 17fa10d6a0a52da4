//! Integration tests of the core crate (one binary, modules by concept).

mod conditional;
mod errors;
mod gain;
mod grouping;
mod merge;
mod multivalue;
mod pairs;
mod significance;
mod target_select;

use std::sync::Arc;

use cardrank::arrow_array::{ArrayRef, RecordBatch, StringArray};

/// Builds a batch of string columns from (name, values) pairs.
pub fn batch(cols: &[(&str, Vec<String>)]) -> RecordBatch {
    RecordBatch::try_from_iter(
        cols.iter()
            .map(|(n, v)| (*n, Arc::new(StringArray::from(v.clone())) as ArrayRef)),
    )
    .unwrap()
}
