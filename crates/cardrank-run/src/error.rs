//! The run layer's error: a core, reader or report error, a combination of
//! options that cannot run, or a stop asked for by the caller's watch.

/// Anything that stops a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad data or parameters, from the core.
    #[error(transparent)]
    Core(#[from] cardrank::Error),
    /// Bad or unreadable input, from the readers.
    #[error(transparent)]
    Input(#[from] cardrank_io::Error),
    /// Options that cannot be combined, or an input that cannot serve the
    /// passes a run needs (standard input read twice).
    #[error("{0}")]
    Usage(String),
    /// The caller's [`crate::Watch`] asked to stop (e.g. Ctrl-C).
    #[error("interrupted")]
    Interrupted,
}

/// Short for `std::result::Result<T, cardrank_run::Error>`.
pub type Result<T> = std::result::Result<T, Error>;
