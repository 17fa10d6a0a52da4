"""Exceptions raised by cardrank.

Every error of the Rust core and of the CSV reader has a stable kind name
(``Error::kind_name()`` in Rust); each kind raises its own class below, and
all of them derive from :class:`CardrankError`. They also derive from the
built-in exception a Python user would expect, so existing ``except``
clauses keep working:

- a missing column is a :class:`KeyError` (:class:`UnknownColumnError`; a
  missing target is its subclass :class:`MissingTargetError`);
- bad parameters and data that cannot be ranked are :class:`ValueError`;
- a column of an unsupported Arrow type, and an argument of the wrong type
  (:class:`ArgumentTypeError`), are :class:`TypeError`;
- input errors (unreadable, malformed or corrupt files) derive from
  :class:`InputError`, itself a :class:`ValueError`; those that come from the
  operating system (a file that cannot be opened or read) are also
  :class:`OSError`.

A panic inside Rust is not one of these: pyo3 turns it into
``pyo3_runtime.PanicException`` (a ``BaseException``), and the interpreter
keeps running. A :class:`cardrank.Ranker` on which such a call failed then
raises :class:`CardrankError` on every later call.
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "CardrankError",
    "ConstantTargetError",
    "DecompressError",
    "DuplicateColumnError",
    "EmptyInputError",
    "InputError",
    "InvalidArrayError",
    "InvalidOptionError",
    "InvalidParameterError",
    "InvalidStateError",
    "InvalidUtf8Error",
    "IpcError",
    "LengthMismatchError",
    "MissingDependencyError",
    "MissingTargetError",
    "MissingTargetValueError",
    "NoFeaturesError",
    "NoMatchError",
    "NoRowsError",
    "OpenError",
    "ParquetError",
    "RaggedRowError",
    "ReadError",
    "RowTooLargeError",
    "SchemaChangedError",
    "SchemaMismatchError",
    "StateMismatchError",
    "ThreadPoolError",
    "UnknownColumnError",
    "UnsupportedInputError",
    "UnterminatedQuoteError",
    "UnsupportedTypeError",
    "VwSyntaxError",
    "WriteError",
]


class CardrankError(Exception):
    """Base class of every error cardrank raises.

    ``kind`` is the Rust error's stable kind name (e.g. ``"missing_target"``);
    ``str(err)`` is its one-line message.
    """

    kind: str = "error"

    def __str__(self) -> str:
        # KeyError would show the message quoted; every class shows it as is.
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return self.args[0]
        return super().__str__()


# --- errors of the core crate (cardrank::Error) ---------------------------


class UnknownColumnError(CardrankError, KeyError):
    """A column asked for (in ``features`` or ``exclude``) does not exist."""

    kind = "unknown_column"


class MissingTargetError(UnknownColumnError):
    """The target column is not among the input's columns."""

    kind = "missing_target"


class ArgumentTypeError(CardrankError, TypeError):
    """An argument of the wrong type, e.g. a target given as a number
    instead of a column name, or a pandas Series instead of a DataFrame;
    the message says what to pass."""

    kind = "argument_type"


class SchemaChangedError(CardrankError, ValueError):
    """A later batch lacks a column the first batch had, or has a column the
    first batch had not (one that would be ranked: no `features` list, not
    excluded)."""

    kind = "schema_changed"


class ConstantTargetError(CardrankError, ValueError):
    """Every row has the same target value (one class): nothing to rank."""

    kind = "constant_target"


class NoRowsError(CardrankError, ValueError):
    """No data rows were seen."""

    kind = "no_rows"


class NoFeaturesError(CardrankError, ValueError):
    """No feature column is left to rank."""

    kind = "no_features"


class UnsupportedTypeError(CardrankError, TypeError):
    """A column's Arrow type cannot be read as categories."""

    kind = "unsupported_type"


class LengthMismatchError(CardrankError, ValueError):
    """Columns of one batch differ in length."""

    kind = "length_mismatch"


class InvalidParameterError(CardrankError, ValueError):
    """A parameter is outside its allowed range (e.g. ``threads=0``)."""

    kind = "invalid_parameter"


class StateMismatchError(CardrankError, ValueError):
    """Two rankers or states cannot be merged (different targets, missing
    tokens or feature sets)."""

    kind = "state_mismatch"


class InvalidStateError(CardrankError, ValueError):
    """Bytes that do not decode as a cardrank state."""

    kind = "invalid_state"


class ThreadPoolError(CardrankError, RuntimeError):
    """The thread pool could not be started."""

    kind = "thread_pool"


# --- errors while reading input (cardrank_io::Error, Arrow streams) --------


class InputError(CardrankError, ValueError):
    """The input cannot be read: base of every reading error.

    Raised as is for an Arrow stream that fails while being read.
    """

    kind = "input"


class OpenError(InputError, OSError):
    """The input file cannot be opened (missing, no permission, a folder)."""

    kind = "open"


class EmptyInputError(InputError):
    """The input has no bytes, or no header line."""

    kind = "empty"


class RaggedRowError(InputError):
    """A data row has a different number of fields than the header."""

    kind = "ragged"


class UnterminatedQuoteError(InputError):
    """A quote opens a CSV field and is never closed: the field would run to
    the end of the input."""

    kind = "unterminated_quote"


class InvalidUtf8Error(InputError):
    """A field is not valid UTF-8."""

    kind = "invalid_utf8"


class DuplicateColumnError(InputError):
    """Two header fields have the same name."""

    kind = "duplicate_column"


class DecompressError(InputError):
    """A compressed input is truncated or corrupt."""

    kind = "decompress"


class ReadError(InputError, OSError):
    """Any other input/output error while reading."""

    kind = "read"


class RowTooLargeError(InputError):
    """One row is too large for an Arrow string column."""

    kind = "row_too_large"


class WriteError(CardrankError, OSError):
    """An output file cannot be created or written."""

    kind = "write"


class SchemaMismatchError(InputError):
    """One of several input files does not have the columns of the first."""

    kind = "schema_mismatch"


class ParquetError(InputError):
    """A Parquet file is truncated, corrupt or unreadable."""

    kind = "parquet"


class IpcError(InputError):
    """An Arrow IPC file or stream is truncated, corrupt or unreadable."""

    kind = "ipc"


class VwSyntaxError(InputError):
    """A Vowpal Wabbit line cannot be read."""

    kind = "vw_syntax"


class NoMatchError(InputError, FileNotFoundError):
    """A glob pattern matched no file."""

    kind = "no_match"


class UnsupportedInputError(InputError):
    """The input cannot be read the way it was given (e.g. Parquet from
    standard input, which needs random access)."""

    kind = "unsupported"


class MissingTargetValueError(InputError):
    """Some rows have no target value (null, NaN or a missing token).

    A missing target is not a class: the message says how many rows; pass
    ``drop_missing_target=True`` to leave them out (the count is then in the
    result's metadata, ``dropped_missing_target``).
    """

    kind = "missing_target_values"


class InvalidArrayError(InputError):
    """An Arrow array handed over from Python is malformed (offsets outside
    its data, a dictionary key past the dictionary, wrong buffer sizes):
    checked before anything is read from it."""

    kind = "invalid_array"


class InvalidOptionError(CardrankError, ValueError):
    """A reader option is outside its allowed range."""

    kind = "invalid_option"


class MissingDependencyError(CardrankError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names the
    ``cardrank[...]`` extra that installs it."""

    kind = "missing_dependency"


def _table(*classes: type[CardrankError]) -> dict[str, type[CardrankError]]:
    return {c.kind: c for c in classes}


# Looked up by the extension module, by kind name: one table per Rust crate.
_CORE_ERRORS = _table(
    MissingTargetError,
    UnknownColumnError,
    MissingTargetValueError,
    SchemaChangedError,
    ConstantTargetError,
    NoRowsError,
    NoFeaturesError,
    UnsupportedTypeError,
    LengthMismatchError,
    InvalidParameterError,
    StateMismatchError,
    InvalidStateError,
    ThreadPoolError,
)
_IO_ERRORS = _table(
    UnknownColumnError,  # the same kind, and class, as the core's
    SchemaMismatchError,
    ParquetError,
    IpcError,
    VwSyntaxError,
    NoMatchError,
    UnsupportedInputError,
    OpenError,
    EmptyInputError,
    RaggedRowError,
    UnterminatedQuoteError,
    InvalidUtf8Error,
    DuplicateColumnError,
    DecompressError,
    ReadError,
    RowTooLargeError,
    WriteError,
    InvalidOptionError,
)
