//! The CLI's errors and their exit codes.

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad data or parameters, from the core.
    #[error("{0}")]
    Core(#[from] cardrank::Error),
    /// Bad or unreadable input, from the readers.
    #[error("{0}")]
    Input(#[from] cardrank_io::Error),
    /// A bad command-line value.
    #[error("{0}")]
    Usage(String),
    /// Results could not be written.
    #[error("cannot write {what}: {source}")]
    Output {
        /// What was being written.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl CliError {
    /// 2 for bad input or usage, 1 for failures writing results.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Output { .. } => 1,
            _ => 2,
        }
    }

    /// Wraps an output error.
    pub fn output(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Output {
            what: what.into(),
            source,
        }
    }
}

impl From<cardrank_run::Error> for CliError {
    fn from(e: cardrank_run::Error) -> Self {
        match e {
            cardrank_run::Error::Core(e) => CliError::Core(e),
            cardrank_run::Error::Input(e) => CliError::Input(e),
            other => CliError::Usage(other.to_string()),
        }
    }
}
