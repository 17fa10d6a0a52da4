//! The `cardrank` binary: [`cardrank_cli::main`] with the process's
//! arguments.

use std::process::ExitCode;

/// mimalloc keeps freed memory for reuse: repeated calls (and the many
/// short-lived buffers of one call) do not fault fresh, zeroed pages in.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(cardrank_cli::main(std::env::args_os()))
}
