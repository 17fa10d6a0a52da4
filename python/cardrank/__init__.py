"""cardrank: cardinality-aware feature ranking for categorical data.

Ranks the features of a table by their mutual information with a target
minus the exact mutual information expected by chance for a feature with the
same value counts (the exact, deterministic form of the OutRank method), so
that many-valued columns such as IDs gain nothing from their cardinality.

>>> import cardrank
>>> table = cardrank.rank(df, target="click")                    # doctest: +SKIP
>>> sel = cardrank.sklearn.CardinalitySelector(k=50)             # doctest: +SKIP

- :func:`rank` ranks pandas, polars or pyarrow data, any object with
  ``__arrow_c_stream__``, or a CSV/TSV file.
- :class:`Ranker` does the same batch by batch; rankers merge exactly and
  pickle, for multiprocessing or Dask.
- :mod:`cardrank.sklearn` has a scikit-learn feature selector.
- :mod:`cardrank.dask` ranks a Dask DataFrame on many workers, exactly.
- :mod:`cardrank.exceptions` has one exception class per error kind, all
  derived from :class:`CardrankError`.

The work runs in Rust without the GIL, on all cores (``threads=`` or the
``CARDRANK_THREADS`` environment variable set the number of threads).
"""

from __future__ import annotations

from . import exceptions
from ._api import Output, Ranker, Score, rank
from ._core import COLUMNS, __version__
from .exceptions import (
    CardrankError,
    ConstantTargetError,
    DecompressError,
    DuplicateColumnError,
    EmptyInputError,
    InputError,
    InvalidOptionError,
    InvalidParameterError,
    InvalidStateError,
    InvalidUtf8Error,
    IpcError,
    LengthMismatchError,
    MissingTargetError,
    NoFeaturesError,
    NoMatchError,
    NoRowsError,
    OpenError,
    ParquetError,
    RaggedRowError,
    ReadError,
    RowTooLargeError,
    SchemaChangedError,
    SchemaMismatchError,
    StateMismatchError,
    ThreadPoolError,
    UnknownColumnError,
    UnsupportedInputError,
    UnsupportedTypeError,
    VwSyntaxError,
    WriteError,
)

__all__ = [
    "COLUMNS",
    "CardrankError",
    "ConstantTargetError",
    "DecompressError",
    "DuplicateColumnError",
    "EmptyInputError",
    "InputError",
    "InvalidOptionError",
    "InvalidParameterError",
    "InvalidStateError",
    "InvalidUtf8Error",
    "IpcError",
    "LengthMismatchError",
    "MissingTargetError",
    "NoFeaturesError",
    "NoMatchError",
    "NoRowsError",
    "OpenError",
    "Output",
    "ParquetError",
    "RaggedRowError",
    "Ranker",
    "ReadError",
    "RowTooLargeError",
    "SchemaChangedError",
    "SchemaMismatchError",
    "Score",
    "StateMismatchError",
    "ThreadPoolError",
    "UnknownColumnError",
    "UnsupportedInputError",
    "UnsupportedTypeError",
    "VwSyntaxError",
    "WriteError",
    "__version__",
    "exceptions",
    "rank",
]


def __getattr__(name: str) -> object:
    # `cardrank.sklearn` imports scikit-learn and `cardrank.dask` imports
    # dask; load them only when asked for.
    if name in ("sklearn", "dask"):
        import importlib

        return importlib.import_module(".sklearn", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
