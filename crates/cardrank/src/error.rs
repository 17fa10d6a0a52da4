//! The one error type of the core crate.

use std::fmt;

/// Errors raised by the core: bad parameters, data that cannot be ranked,
/// and state that cannot be merged or decoded.
///
/// Every message is one line that names the offending column or value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target column is not among the input's columns.
    #[error("target column `{target}` not found; the columns are: {}", ColumnList(.available))]
    MissingTarget {
        /// The requested target.
        target: String,
        /// The columns the input has.
        available: Vec<String>,
    },
    /// A column named in `features` (or `exclude`) does not exist.
    #[error("feature column `{column}` not found; the columns are: {}", ColumnList(.available))]
    UnknownColumn {
        /// The requested column.
        column: String,
        /// The columns the input has.
        available: Vec<String>,
    },
    /// A later batch lacks a column the first batch had, or has a column
    /// the first batch had not (when every column is ranked: without a
    /// list of features, and not excluded).
    #[error("{}", schema_change(*batch, column, *added))]
    SchemaChanged {
        /// 1-based batch number.
        batch: u64,
        /// The missing or added column.
        column: String,
        /// Whether the column is added (else missing).
        added: bool,
    },
    /// Every row has the same target value: nothing can be ranked.
    #[error("target column `{target}` has the single value `{value}` in all {rows} rows; a ranking needs at least two classes")]
    ConstantTarget {
        /// The target column.
        target: String,
        /// Its one value.
        value: String,
        /// Number of rows seen.
        rows: u64,
    },
    /// Rows whose target value is missing (null, NaN or a missing token),
    /// when they are not to be dropped ([`crate::RankParams::drop_missing_target`]).
    #[error("target column `{target}` is missing (null, NaN or a missing token) in {rows} of {total} rows; a missing target is not a class: remove those rows, or drop them with --drop-missing-target (Python: drop_missing_target=True)")]
    MissingTargetValues {
        /// The target column.
        target: String,
        /// Rows with a missing target.
        rows: u64,
        /// All rows read, those included.
        total: u64,
    },
    /// No data rows were seen.
    #[error("no data rows: the input has a header but no rows")]
    NoRows,
    /// No feature column is left to rank.
    #[error(
        "no feature columns to rank (the input has only the target column, or all were excluded)"
    )]
    NoFeatures,
    /// A column's Arrow type cannot be read as categories.
    #[error(
        "column `{column}` has Arrow type {data_type}, which cardrank cannot read as categories; cast it to strings or integers first (a timestamp: its date or hour, say), or leave it out (exclude)"
    )]
    UnsupportedType {
        /// The column.
        column: String,
        /// The Arrow type, as text.
        data_type: String,
    },
    /// Columns of one batch differ in length.
    #[error("column `{column}` has {found} rows in batch {batch}, the target has {expected}")]
    LengthMismatch {
        /// The column.
        column: String,
        /// 1-based batch number.
        batch: u64,
        /// Rows of the target column.
        expected: usize,
        /// Rows of this column.
        found: usize,
    },
    /// A parameter is outside its allowed range.
    #[error("invalid parameter `{name}` = {value}: expected {expected}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// Two states cannot be merged (different targets or feature sets).
    #[error("cannot merge states: {0}")]
    StateMismatch(String),
    /// Bytes that do not decode as a cardrank state.
    #[error("invalid cardrank state: {0}")]
    InvalidState(String),
    /// The thread pool could not be built.
    #[error("cannot start the thread pool: {0}")]
    ThreadPool(String),
}

fn schema_change(batch: u64, column: &str, added: bool) -> String {
    if added {
        format!(
            "batch {batch} has a column `{column}` the first batch had not: it would be ranked on \
             part of the rows; give every batch the same columns, or exclude it"
        )
    } else {
        format!("batch {batch} has no column `{column}`, which the first batch had")
    }
}

impl Error {
    /// A stable snake_case name of the error kind, for exit codes and
    /// exception classes in the bindings.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::MissingTarget { .. } => "missing_target",
            Error::UnknownColumn { .. } => "unknown_column",
            Error::SchemaChanged { .. } => "schema_changed",
            Error::ConstantTarget { .. } => "constant_target",
            Error::MissingTargetValues { .. } => "missing_target_values",
            Error::NoRows => "no_rows",
            Error::NoFeatures => "no_features",
            Error::UnsupportedType { .. } => "unsupported_type",
            Error::LengthMismatch { .. } => "length_mismatch",
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::StateMismatch(_) => "state_mismatch",
            Error::InvalidState(_) => "invalid_state",
            Error::ThreadPool(_) => "thread_pool",
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Shows a column list, cut after 20 names.
struct ColumnList<'a>(&'a [String]);

impl fmt::Display for ColumnList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 20;
        for (i, name) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{name}`")?;
        }
        if self.0.len() > SHOWN {
            write!(f, " and {} more", self.0.len() - SHOWN)?;
        }
        if self.0.is_empty() {
            f.write_str("(none)")?;
        }
        Ok(())
    }
}
