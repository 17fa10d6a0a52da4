//! The one error type of this crate.
//!
//! Every message is a single line that names the input (the path as given,
//! or `<stdin>`) and, where it applies, the 1-based line number, the column
//! and the offending value, so a user can find the problem without a
//! debugger. [`Error::kind_name`] gives a stable machine-readable name for
//! each kind (for exit codes and Python exception classes).

use std::io;

use crate::source::Compression;

/// Longest preview of a bad value kept in an error message, in characters.
pub(crate) const PREVIEW_CHARS: usize = 60;

/// Everything that can go wrong while reading or generating data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be opened (missing file, permissions, a folder).
    #[error("cannot open `{path}`: {source}")]
    Open {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The input has no bytes, or no header line.
    #[error("`{path}` is empty: it has no header line")]
    Empty {
        /// The path as given, or `<stdin>`.
        path: String,
    },
    /// A data row has a different number of fields than the header.
    #[error("`{path}` line {line} has {found} fields, the header has {expected}")]
    Ragged {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based physical line where the row starts.
        line: u64,
        /// Number of fields in the header.
        expected: usize,
        /// Number of fields in this row.
        found: usize,
    },
    /// A quote opens a field and is never closed: the field would run to the
    /// end of the input.
    #[error(
        "`{path}`: unterminated quote starting at line {line}, column `{column}`: \
         the quoted field \"{value}\" runs to the end of the input"
    )]
    UnterminatedQuote {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based physical line of the opening quote.
        line: u64,
        /// The column's name (or `#N`).
        column: String,
        /// The start of the quoted field, shortened to 60 characters.
        value: String,
    },
    /// A field is not valid UTF-8.
    #[error("`{path}` line {line} column `{column}` is not valid UTF-8: \"{value}\"")]
    InvalidUtf8 {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based physical line where the row starts.
        line: u64,
        /// The column's name (or `#N` for a header field).
        column: String,
        /// The value with non-UTF-8 bytes escaped as `\xNN`, shortened to 60
        /// characters.
        value: String,
    },
    /// Two header fields have the same name.
    #[error("`{path}` has column `{name}` twice: at positions {first} and {second}")]
    DuplicateColumn {
        /// The path as given, or `<stdin>`.
        path: String,
        /// The repeated name.
        name: String,
        /// 1-based position of its first occurrence.
        first: usize,
        /// 1-based position of its second occurrence.
        second: usize,
    },
    /// A compressed input is truncated or corrupt.
    #[error("`{path}` is truncated or corrupt ({format}) near line {line}: {message}")]
    Decompress {
        /// The path as given, or `<stdin>`.
        path: String,
        /// The compression format detected from the magic bytes.
        format: Compression,
        /// 1-based line the parser had reached.
        line: u64,
        /// The decoder's message.
        message: String,
    },
    /// Any other input/output error while reading.
    #[error("cannot read `{path}` near line {line}: {source}")]
    Read {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based line the parser had reached.
        line: u64,
        /// The operating system's reason.
        source: io::Error,
    },
    /// One row is too large to fit in an Arrow string column.
    #[error(
        "`{path}` line {line} has at least {bytes} bytes, more than the {limit} a row may have"
    )]
    RowTooLarge {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based physical line where the row starts.
        line: u64,
        /// Size of the row in bytes (of its fields, or of the row so far
        /// when it was stopped while being read).
        bytes: usize,
        /// The largest size allowed.
        limit: usize,
    },
    /// An output file could not be created or written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A column asked for (target, feature, exclusion) is not in the input.
    #[error("`{path}`: {role} column `{column}` not found (it has {available})")]
    UnknownColumn {
        /// The path as given, or `<stdin>`.
        path: String,
        /// What the column was asked for as: `target`, `feature`, `excluded`
        /// or `multivalue`.
        role: &'static str,
        /// The name asked for.
        column: String,
        /// The input's columns, shortened.
        available: String,
    },
    /// One of several inputs does not have the same columns as the first.
    #[error("`{path}` does not have the columns of `{first}`: {detail}")]
    SchemaMismatch {
        /// The input that differs.
        path: String,
        /// The first input, which fixed the columns.
        first: String,
        /// Which columns differ.
        detail: String,
    },
    /// A Parquet file is truncated, corrupt or unreadable.
    #[error("`{path}` is not a readable Parquet file: {message}")]
    Parquet {
        /// The path as given.
        path: String,
        /// The Parquet reader's message.
        message: String,
    },
    /// An Arrow IPC file or stream is truncated, corrupt or unreadable.
    #[error("`{path}` is not a readable Arrow IPC file or stream: {message}")]
    Ipc {
        /// The path as given, or `<stdin>`.
        path: String,
        /// The Arrow reader's message.
        message: String,
    },
    /// A Vowpal Wabbit line that cannot be read.
    #[error("`{path}` line {line}: {message}")]
    VwSyntax {
        /// The path as given, or `<stdin>`.
        path: String,
        /// 1-based line.
        line: u64,
        /// What is wrong, with the offending text.
        message: String,
    },
    /// A glob pattern matched no file.
    #[error("no file matches `{pattern}`")]
    NoMatch {
        /// The pattern as given.
        pattern: String,
    },
    /// The input cannot be read the way it was given (e.g. Parquet from
    /// standard input, which needs random access).
    #[error("cannot read `{path}`: {message}")]
    Unsupported {
        /// The path as given, or `<stdin>`.
        path: String,
        /// Why, and what to do instead.
        message: String,
    },
    /// An option has a value outside its allowed range.
    #[error("invalid option: {message}")]
    InvalidOption {
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// Short for `std::result::Result<T, cardrank_io::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A stable snake_case name for the kind of error, e.g. `"ragged"`.
    ///
    /// Front ends map it to exit codes and exception classes; it never
    /// changes for an existing kind.
    ///
    /// # Example
    /// ```
    /// let err = cardrank_io::Error::Empty { path: "data.csv".into() };
    /// assert_eq!(err.kind_name(), "empty");
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::Open { .. } => "open",
            Error::Empty { .. } => "empty",
            Error::Ragged { .. } => "ragged",
            Error::UnterminatedQuote { .. } => "unterminated_quote",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::DuplicateColumn { .. } => "duplicate_column",
            Error::Decompress { .. } => "decompress",
            Error::Read { .. } => "read",
            Error::RowTooLarge { .. } => "row_too_large",
            Error::Write { .. } => "write",
            Error::InvalidOption { .. } => "invalid_option",
            Error::UnknownColumn { .. } => "unknown_column",
            Error::SchemaMismatch { .. } => "schema_mismatch",
            Error::Parquet { .. } => "parquet",
            Error::Ipc { .. } => "ipc",
            Error::VwSyntax { .. } => "vw_syntax",
            Error::NoMatch { .. } => "no_match",
            Error::Unsupported { .. } => "unsupported",
        }
    }

    /// The same error with its line number moved on by `lines`: for an
    /// error met by the reader of one byte range of a file, which counts its
    /// lines from the range's start (see [`crate::split`]).
    pub(crate) fn shift_line(mut self, lines: u64) -> Self {
        if let Some(line) = self.line_mut() {
            *line += lines;
        }
        self
    }

    /// The same error naming line `line` instead (if it names one).
    pub(crate) fn with_line(mut self, line: u64) -> Self {
        if let Some(l) = self.line_mut() {
            *l = line;
        }
        self
    }

    fn line_mut(&mut self) -> Option<&mut u64> {
        match self {
            Error::Ragged { line, .. }
            | Error::UnterminatedQuote { line, .. }
            | Error::InvalidUtf8 { line, .. }
            | Error::Decompress { line, .. }
            | Error::Read { line, .. }
            | Error::RowTooLarge { line, .. }
            | Error::VwSyntax { line, .. } => Some(line),
            _ => None,
        }
    }

    /// Shorthand for an [`Error::InvalidOption`].
    pub(crate) fn option(message: impl Into<String>) -> Self {
        Error::InvalidOption {
            message: message.into(),
        }
    }
}

/// A dependency's message on one line (flatbuffers' verifier, for one,
/// adds a line per level of nesting).
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lists column names for a message: at most 20, then how many more.
pub(crate) fn list_preview<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 20;
    if names.is_empty() {
        return "no columns".into();
    }
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("`{}`", escape_preview(n.as_ref().as_bytes())))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// Renders bytes for a message: valid UTF-8 runs as they are (control
/// characters escaped), other bytes as `\xNN`; at most [`PREVIEW_CHARS`]
/// characters, then `...`.
pub(crate) fn escape_preview(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut chars = 0usize;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if chars >= PREVIEW_CHARS {
                out.push_str("...");
                return out;
            }
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
            chars += 1;
        }
        for b in chunk.invalid() {
            if chars >= PREVIEW_CHARS {
                out.push_str("...");
                return out;
            }
            out.push_str(&format!("\\x{b:02X}"));
            chars += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_escapes_bad_bytes_and_truncates() {
        assert_eq!(escape_preview(b"ab\xffc"), "ab\\xFFc");
        assert_eq!(escape_preview(b"a\tb"), "a\\tb");
        let long = vec![b'x'; 100];
        let p = escape_preview(&long);
        assert_eq!(p.len(), PREVIEW_CHARS + 3);
        assert!(p.ends_with("..."));
    }

    #[test]
    fn messages_are_one_line() {
        let err = Error::Ragged {
            path: "data.csv".into(),
            line: 1043,
            expected: 24,
            found: 5,
        };
        assert_eq!(
            err.to_string(),
            "`data.csv` line 1043 has 5 fields, the header has 24"
        );
        let err = Error::Decompress {
            path: "data.csv.gz".into(),
            format: Compression::Gzip,
            line: 5001,
            message: "unexpected end of file".into(),
        };
        assert_eq!(
            err.to_string(),
            "`data.csv.gz` is truncated or corrupt (gzip) near line 5001: unexpected end of file"
        );
        let err = Error::Open {
            path: "data.csv".into(),
            source: io::Error::from_raw_os_error(2),
        };
        assert_eq!(
            err.to_string(),
            "cannot open `data.csv`: No such file or directory (os error 2)"
        );
        assert_eq!(err.kind_name(), "open");
    }
}
