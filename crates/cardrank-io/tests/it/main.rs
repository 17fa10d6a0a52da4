//! Integration tests of `cardrank-io`, one binary with a module per area.

mod common;
mod csv_errors;
mod csv_read;
mod generate;
mod signal;
