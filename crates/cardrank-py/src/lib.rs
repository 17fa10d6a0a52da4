//! `cardrank._core`: the Python extension module of cardrank.
//!
//! This crate only converts types and calls the core: Arrow data arrives
//! through the Arrow PyCapsule interface (`pyo3-arrow`, no copy of column
//! buffers), is streamed batch by batch into a [`cardrank::Ranker`] with the
//! GIL released, and the finished [`cardrank::Ranking`] leaves as an object
//! that speaks the same interface (`__arrow_c_stream__`) or as Python dicts.
//! No measure is computed here. The Python package `cardrank` (in
//! `python/cardrank`) wraps this module; its `_core.pyi` documents the API.
//!
//! Runs over files (which read options, split or sequential reads, the pair
//! budget's passes) are the run layer's (`cardrank_run`); the command line
//! itself is `cardrank_cli::main` ([`cli`]).
//!
//! Errors: every core and reader error becomes the exception class that
//! `cardrank.exceptions` registers for its kind ([`errors`]). A Rust panic
//! becomes `pyo3_runtime.PanicException` (pyo3 catches every unwind at the
//! boundary), so it never takes the interpreter down.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// mimalloc keeps freed memory for reuse: repeated calls (and the many
/// short-lived buffers of one call) do not fault fresh, zeroed pages in.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod compare;
mod conditional;
mod errors;
mod input;
mod options;
mod pairs;
mod ranker;
mod ranking;
mod report;
mod signals;

/// The extension module `cardrank._core`.
#[pymodule(name = "_core")]
fn cardrank_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ranker::PyRanker>()?;
    m.add_class::<ranking::PyRanking>()?;
    m.add_class::<pairs::PyPairResult>()?;
    m.add_class::<pairs::PyPairPlan>()?;
    m.add_function(wrap_pyfunction!(pairs::pair_run, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::pair_run_path, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::features_of, m)?)?;
    m.add_class::<conditional::PyProbeResult>()?;
    m.add_function(wrap_pyfunction!(conditional::probe_run, m)?)?;
    m.add_function(wrap_pyfunction!(conditional::probe_run_path, m)?)?;
    m.add_function(wrap_pyfunction!(ranker::merge_states, m)?)?;
    m.add_function(wrap_pyfunction!(compare::compare, m)?)?;
    m.add_function(wrap_pyfunction!(cli::cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(report::report, m)?)?;
    m.add_function(wrap_pyfunction!(report::report_path, m)?)?;
    let names = ranking::COLUMNS.iter().map(|(name, _)| *name);
    m.add("COLUMNS", PyTuple::new(m.py(), names)?)?;
    m.add("MAX_THREADS", cardrank::MAX_THREADS)?;
    m.add("DEFAULT_METHOD", cardrank_run::DEFAULT_METHOD.name())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
