//! The `cardrank` command line from Python: the console script and
//! `python -m cardrank` run the CLI's own entry point, so they print exactly
//! what the Rust binary prints.

use pyo3::prelude::*;

/// Runs `cardrank` with `argv` (the program name first) without the GIL;
/// returns the exit code.
#[pyfunction]
pub(crate) fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| cardrank_cli::main(argv))
}
