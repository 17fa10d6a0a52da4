//! Core, reader and Arrow errors as Python exceptions.
//!
//! The exception classes live in Python (`python/cardrank/exceptions.py`),
//! where multiple inheritance is natural (`MissingTargetError` is both a
//! `CardrankError` and a `KeyError`). This module looks the class up by the
//! error's stable kind name (`Error::kind_name()`) in one of two tables,
//! `_CORE_ERRORS` and `_IO_ERRORS`, so the mapping is by kind and a kind
//! added later still raises `CardrankError`.

use arrow_schema::ArrowError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyType;

const EXCEPTIONS: &str = "cardrank.exceptions";

/// Anything a binding call can fail with; converted to a Python exception
/// (with the GIL held) when it crosses the boundary.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the core crate.
    Core(cardrank::Error),
    /// An error of the reader crate.
    Io(cardrank_io::Error),
    /// The reader did not find the target column: raised as the core's
    /// `missing_target`, whatever the input.
    IoMissingTarget(cardrank_io::Error),
    /// An Arrow error while reading a stream handed over from Python.
    Arrow(ArrowError),
    /// A Python exception (e.g. `KeyboardInterrupt` from a signal check).
    Py(PyErr),
    /// Options that cannot run together (the run layer's usage error):
    /// raised as `InvalidParameterError`.
    Usage(String),
    /// An error raised in the binding itself, as the class of
    /// `cardrank.exceptions` of that name, with this message.
    Named(&'static str, String),
}

impl From<cardrank::Error> for Failure {
    fn from(e: cardrank::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<cardrank_io::Error> for Failure {
    fn from(e: cardrank_io::Error) -> Self {
        Failure::Io(e)
    }
}

impl Failure {
    /// A reader error; a missing target column is told apart from other
    /// unknown columns.
    pub(crate) fn from_io(e: cardrank_io::Error, target: &str) -> Failure {
        match &e {
            cardrank_io::Error::UnknownColumn { column, .. } if column == target => {
                Failure::IoMissingTarget(e)
            }
            _ => Failure::Io(e),
        }
    }
}

impl Failure {
    /// A run-layer error (a stop is the caller's to turn into the exception
    /// that caused it: see [`crate::signals::Signals::failure`]).
    pub(crate) fn from_run(e: cardrank_run::Error, target: &str) -> Failure {
        match e {
            cardrank_run::Error::Core(e) => Failure::Core(e),
            cardrank_run::Error::Input(e) => Failure::from_io(e, target),
            other => Failure::Usage(other.to_string()),
        }
    }
}

impl From<ArrowError> for Failure {
    fn from(e: ArrowError) -> Self {
        Failure::Arrow(e)
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Py(e)
    }
}

impl From<pyo3_arrow::error::PyArrowError> for Failure {
    fn from(e: pyo3_arrow::error::PyArrowError) -> Self {
        Failure::Py(e.into())
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        Python::attach(|py| match f {
            Failure::Core(e) => by_kind(py, "_CORE_ERRORS", e.kind_name(), e.to_string()),
            Failure::Io(e) => by_kind(py, "_IO_ERRORS", e.kind_name(), e.to_string()),
            Failure::IoMissingTarget(e) => {
                by_kind(py, "_CORE_ERRORS", "missing_target", e.to_string())
            }
            Failure::Arrow(ArrowError::ExternalError(inner)) => match inner.downcast::<PyErr>() {
                // A Python exception raised while producing a batch: re-raise it.
                Ok(err) => *err,
                Err(other) => arrow_error(py, ArrowError::ExternalError(other)),
            },
            Failure::Arrow(e) => arrow_error(py, e),
            Failure::Py(e) => e,
            Failure::Usage(message) => by_kind(py, "_CORE_ERRORS", "invalid_parameter", message),
            Failure::Named(class, message) => raise(named_class(py, class), message),
        })
    }
}

/// Arrow errors from an input stream are input errors.
fn arrow_error(py: Python<'_>, e: ArrowError) -> PyErr {
    let message = format!("cannot read the Arrow input: {e}");
    raise(named_class(py, "InputError"), message)
}

/// The exception for `kind` from the table `table` of `cardrank.exceptions`,
/// or `CardrankError` for a kind the table does not know.
fn by_kind(py: Python<'_>, table: &str, kind: &str, message: String) -> PyErr {
    let found = py
        .import(EXCEPTIONS)
        .and_then(|m| m.getattr(table))
        .and_then(|t| t.get_item(kind))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    raise(found.or_else(|_| named_class(py, "CardrankError")), message)
}

/// A class of `cardrank.exceptions` by name.
fn named_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    py.import(EXCEPTIONS)
        .and_then(|m| m.getattr(name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
}

/// The exception `class(message)`; if the class cannot be loaded (a broken
/// install), a `RuntimeError` with the message and the reason.
fn raise(class: PyResult<Bound<'_, PyType>>, message: String) -> PyErr {
    match class {
        Ok(class) => PyErr::from_type(class, message),
        Err(e) => PyRuntimeError::new_err(format!(
            "{message} (and the exception classes of {EXCEPTIONS} cannot be loaded: {e})"
        )),
    }
}
