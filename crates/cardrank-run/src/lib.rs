//! # cardrank-run
//!
//! The run layer of cardrank: what every front end (the `cardrank` CLI, the
//! Python binding, `cardrank.dask`) does between "here are the inputs and
//! the options" and "here is the result", written once.
//!
//! - [`ReadArgs`] and [`RunSpec`]: every read option (format, delimiter,
//!   numeric binning, multivalue, sampling, `max_distinct`, bad rows, VW
//!   namespaces, batch size) under the names and defaults the CLI and Python
//!   share, checked and turned into the readers' options in one place.
//! - [`read_into`]: one plain CSV/TSV file in parallel byte ranges, or one
//!   reader on its own thread; the caller watches through a [`Watch`]
//!   (progress bar, Ctrl-C).
//! - [`PairPlan`]: the pair budget's passes step by step (rank, pairs among
//!   the best M, triples), driven by [`plan::run`] and [`pairs`] in one
//!   process and by Dask per partition.
//! - [`probe`] and [`ProbeRun`]: the same plan keeping the best M
//!   candidates and the given features as codes, for a selection in target
//!   units ([`ProbeRun::select`]) or a ranking given features
//!   ([`ProbeRun::rank_given`]).
//! - [`Features`]: which columns are ranked and which can be paired.
//! - [`compare`]: two rankings side by side (rank-biased overlap, movers).
//!
//! The run layer knows no command line and no Python: the CLI parses
//! arguments into a [`RunSpec`] and prints; the binding converts Python
//! values into one and returns tables.

mod columns;
pub mod compare;
mod error;
mod options;
pub mod plan;
mod read;
mod run;
mod select;

pub use columns::Features;
pub use error::{Error, Result};
pub use options::{parse_delimiter, parse_multivalue, ReadArgs, RunSpec, DEFAULT_BATCH_SIZE};
pub use plan::{BudgetUsed, PairBudget, PairPlan, PairRun, Pass, ProbeRun};
pub use read::{
    each_batch, each_group, read_into, Group, How, Read, Stop, Unwatched, Watch, GROUP_BYTES,
    GROUP_ROWS,
};
pub use run::{pairs, probe, rank, PairsRead, ProbeRead, Ranked, RANK_MISSING};
pub use select::{DEFAULT_JOINT_LEVELS, DEFAULT_METHOD};
