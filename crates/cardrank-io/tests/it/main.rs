//! Integration tests of `cardrank-io`, one binary with a module per area.

mod bad_input;
mod common;
mod conditional_real;
mod csv_errors;
mod csv_read;
mod formats;
mod fuzz;
mod generate;
mod signal;
mod split;
mod transforms;
