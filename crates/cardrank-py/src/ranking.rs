//! A finished ranking as a Python object: an Arrow stream (the PyCapsule
//! interface, so `pyarrow.table(r)` and `polars.DataFrame(r)` read it without
//! a copy) or a list of dicts.
//!
//! The columns are exactly the fields of [`cardrank::FeatureScore`], in
//! declaration order, as in the CLI's JSON `features` list.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use cardrank::{FeatureScore, Ranking};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};
use pyo3_arrow::ffi::{to_schema_pycapsule, to_stream_pycapsule, ArrayIterator};

use crate::errors::Failure;

/// How to read one column from a [`FeatureScore`].
pub(crate) enum Getter {
    /// A count or position (Arrow `int64`).
    Int(fn(&FeatureScore) -> i64),
    /// A name (Arrow `utf8`).
    Text(fn(&FeatureScore) -> &str),
    /// A measure (Arrow `float64`).
    Float(fn(&FeatureScore) -> f64),
    /// A measure that may be absent (nullable `float64`).
    MaybeFloat(fn(&FeatureScore) -> Option<f64>),
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The ranking table's columns: every field of [`FeatureScore`], in order.
pub(crate) const COLUMNS: [(&str, Getter); 15] = [
    ("rank", Getter::Int(|f| int(f.rank))),
    ("feature", Getter::Text(|f| &f.feature)),
    ("cardinality", Getter::Int(|f| int(f.cardinality))),
    ("missing_share", Getter::Float(|f| f.missing_share)),
    ("entropy", Getter::Float(|f| f.entropy)),
    ("mi", Getter::Float(|f| f.mi)),
    ("expected_mi", Getter::Float(|f| f.expected_mi)),
    ("ami", Getter::Float(|f| f.ami)),
    ("score", Getter::Float(|f| f.score)),
    ("adjusted", Getter::Float(|f| f.adjusted)),
    ("null_sd", Getter::MaybeFloat(|f| f.null_sd)),
    ("z", Getter::MaybeFloat(|f| f.z)),
    ("g_test_log10_p", Getter::Float(|f| f.g_test_log10_p)),
    ("log10_q", Getter::MaybeFloat(|f| f.log10_q)),
    ("gain", Getter::MaybeFloat(|f| f.gain)),
];

/// A finished ranking: features best first, with every measure.
///
/// Read it as Arrow (`pyarrow.table(ranking)`, `polars.DataFrame(ranking)`)
/// or as Python dicts (`ranking.to_pylist()`).
#[pyclass(module = "cardrank._core", name = "Ranking", frozen)]
pub struct PyRanking {
    inner: Ranking,
    /// Rows left out because their target was missing.
    missing_target_rows: u64,
}

impl PyRanking {
    pub(crate) fn new(inner: Ranking, missing_target_rows: u64) -> Self {
        PyRanking {
            inner,
            missing_target_rows,
        }
    }

    fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = COLUMNS
            .iter()
            .map(|(name, get)| match get {
                Getter::Int(_) => Field::new(*name, DataType::Int64, false),
                Getter::Text(_) => Field::new(*name, DataType::Utf8, false),
                Getter::Float(_) => Field::new(*name, DataType::Float64, false),
                Getter::MaybeFloat(_) => Field::new(*name, DataType::Float64, true),
            })
            .collect();
        let r = &self.inner;
        let metadata = HashMap::from([
            ("cardrank.target".to_string(), r.target.clone()),
            ("cardrank.rows".to_string(), r.rows.to_string()),
            ("cardrank.classes".to_string(), r.classes.to_string()),
            (
                "cardrank.target_entropy".to_string(),
                r.target_entropy.to_string(),
            ),
            ("cardrank.score".to_string(), r.score_name.clone()),
            (
                "cardrank.dropped_missing_target".to_string(),
                self.missing_target_rows.to_string(),
            ),
        ]);
        Arc::new(Schema::new_with_metadata(fields, metadata))
    }

    fn batch(&self) -> Result<RecordBatch, ArrowError> {
        let rows = &self.inner.features;
        let arrays: Vec<ArrayRef> = COLUMNS
            .iter()
            .map(|(_, get)| -> ArrayRef {
                match get {
                    Getter::Int(g) => Arc::new(Int64Array::from_iter_values(rows.iter().map(g))),
                    Getter::Text(g) => Arc::new(StringArray::from_iter_values(rows.iter().map(g))),
                    Getter::Float(g) => {
                        Arc::new(Float64Array::from_iter_values(rows.iter().map(g)))
                    }
                    Getter::MaybeFloat(g) => Arc::new(Float64Array::from_iter(rows.iter().map(g))),
                }
            })
            .collect();
        RecordBatch::try_new(self.schema(), arrays)
    }
}

#[pymethods]
impl PyRanking {
    /// Rows the ranking was computed from.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// The target column.
    #[getter]
    fn target(&self) -> &str {
        &self.inner.target
    }

    /// Number of distinct target values (classes).
    #[getter]
    fn classes(&self) -> usize {
        self.inner.classes
    }

    /// Entropy H(Y) of the target, in nats.
    #[getter]
    fn target_entropy(&self) -> f64 {
        self.inner.target_entropy
    }

    /// The score the features are sorted by.
    #[getter]
    fn score_name(&self) -> &str {
        &self.inner.score_name
    }

    /// Rows left out because their target was missing
    /// (`drop_missing_target=True`; otherwise there are none).
    #[getter]
    fn dropped_missing_target(&self) -> u64 {
        self.missing_target_rows
    }

    /// One dict per feature, best first, with the keys of `COLUMNS`.
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for f in &self.inner.features {
            let row = PyDict::new(py);
            for (name, get) in &COLUMNS {
                match get {
                    Getter::Int(g) => row.set_item(*name, g(f))?,
                    Getter::Text(g) => row.set_item(*name, g(f))?,
                    Getter::Float(g) => row.set_item(*name, g(f))?,
                    Getter::MaybeFloat(g) => row.set_item(*name, g(f))?,
                }
            }
            list.append(row)?;
        }
        Ok(list)
    }

    /// The Arrow schema, as a PyCapsule (Arrow PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyCapsule>, Failure> {
        Ok(to_schema_pycapsule(py, self.schema().as_ref())?)
    }

    /// The table as an Arrow C stream of one batch (Arrow PyCapsule interface).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> Result<Bound<'py, PyCapsule>, Failure> {
        let batch = self.batch()?;
        let field = Field::new_struct("", batch.schema().fields().clone(), false)
            .with_metadata(batch.schema().metadata().clone());
        let array: ArrayRef = Arc::new(StructArray::from(batch));
        let reader = ArrayIterator::new([Ok(array)], Arc::new(field));
        Ok(to_stream_pycapsule(py, Box::new(reader), requested_schema)?)
    }

    fn __len__(&self) -> usize {
        self.inner.features.len()
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        let best = r
            .features
            .first()
            .map(|f| format!(", best=`{}` ({} = {:.6})", f.feature, r.score_name, f.score))
            .unwrap_or_default();
        format!(
            "Ranking(target=`{}`, rows={}, features={}{best})",
            r.target,
            r.rows,
            r.features.len()
        )
    }
}
