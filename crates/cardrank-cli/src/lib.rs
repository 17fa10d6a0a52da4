//! `cardrank`: rank the features of large categorical data sets by
//! chance-adjusted mutual information with a target.
//!
//! The command line as a library: [`main`] parses arguments and runs the
//! command; the `cardrank` binary and the Python package's console script
//! (`cardrank`, `python -m cardrank`) both call it, so they print the same.
//! Arguments become the run layer's values ([`cardrank_run`]), which does
//! the work; this crate parses and prints.
//!
//! Exit codes: 0 on success, 2 on bad input or usage (one line on stderr),
//! 1 when writing results fails.

mod args;
mod compare;
mod conditional;
mod demo;
mod error;
mod input;
mod output;
mod pair_output;
mod pairs;
mod rank;
mod report;
mod select;
mod watch;

use std::ffi::OsString;

use clap::Parser;

use crate::args::{Cli, Command};

/// Parses `args` (the program name first) and runs the command; returns the
/// process exit code. Help and version go to stdout with code 0; a usage
/// error is printed by clap with code 2.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    let result = match cli.command {
        Command::Rank(a) if !a.pairs.given.is_empty() => conditional::run_given(&a),
        Command::Rank(a) if a.pairs.wanted() => pairs::run_rank(&a),
        Command::Rank(a) => rank::run(&a),
        Command::Select(a) => select::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Compare(a) => compare::run(&a),
        Command::Demo(a) => demo::run_demo(&a),
        Command::Generate(a) => demo::run_generate(&a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
