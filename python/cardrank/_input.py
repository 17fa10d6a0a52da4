"""In-memory inputs as Arrow: pandas without its index, polars null columns,
duplicate names, validated arrays (offsets checked before Rust trusts them),
and the errors that say what to pass instead (a Series, a non-table)."""

from __future__ import annotations

import os
import sys
from typing import Any

from .exceptions import (
    ArgumentTypeError,
    DuplicateColumnError,
    InvalidArrayError,
    UnsupportedTypeError,
)


def _pandas_to_arrow(df: Any) -> Any:
    """A pandas DataFrame as a pyarrow Table of its columns (never its index).

    pandas' own ``__arrow_c_stream__`` would add a non-default index as a
    column, which would then be ranked as a feature.
    """
    import pyarrow as pa

    _check_unique([str(c) for c in df.columns])
    failures = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
    try:
        return pa.Table.from_pandas(df, preserve_index=False, nthreads=_conversion_threads(df))
    except failures:
        pass
    # Object columns of mixed types: each value by its text, nulls kept.
    columns = {}
    for name in df.columns:
        col = df[name]
        try:
            columns[str(name)] = pa.array(col, from_pandas=True)
        except failures:
            if col.dtype != object:
                # A typed column Arrow has no type for (complex numbers).
                raise UnsupportedTypeError(
                    f"column `{name}` has pandas dtype {col.dtype}, which cardrank cannot "
                    "read as categories; cast it to strings or integers first, or leave it "
                    "out (exclude)"
                ) from None
            isnull = col.isna().to_numpy()
            values = [None if null else str(v) for v, null in zip(col, isnull, strict=True)]
            columns[str(name)] = pa.array(values, type=pa.string())
    return pa.table(columns)


_THREADED_ROWS = 100_000
"""Rows from which pyarrow converts a frame's columns on several threads."""


def _conversion_threads(df: Any) -> int | None:
    """pyarrow's ``nthreads`` for converting ``df``: one below
    ``_THREADED_ROWS`` rows, else pyarrow's choice.

    pyarrow starts a thread pool for every frame of more than 100 rows per
    column. On a frame of 20,000 rows and 42 columns that pool cost more
    than it saved (7.9 ms against 4.5 ms on one thread); threads paid off
    only from about 200,000 rows (BENCHMARKS.md).
    """
    return 1 if len(df) < _THREADED_ROWS else None


def _check_unique(names: list[str]) -> None:
    """Raises :class:`DuplicateColumnError` for a column name given twice."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DuplicateColumnError(
                f"column `{name}` appears twice in the input's columns; rename one "
                "(a ranking needs unique names)"
            )
        seen.add(name)


def _polars_nulls_as_strings(df: Any) -> Any:
    """A polars DataFrame with its columns of dtype ``Null`` cast to strings
    (all null, so all missing): polars exports a ``Null`` column with a
    buffer the Arrow C interface does not allow."""
    import polars as pl

    nulls = [name for name, dtype in df.schema.items() if dtype == pl.Null]
    if not nulls:
        return df
    return df.with_columns([pl.col(name).cast(pl.String) for name in nulls])


def _validated(data: Any, raised: list[BaseException] | None = None) -> Any:
    """A pyarrow Table, RecordBatch or Array checked by pyarrow before it
    crosses (structure and buffer sizes, O(columns)): the C data interface
    carries no buffer sizes, so a string column whose offsets point past its
    data cannot be seen on the Rust side. Raises :class:`InvalidArrayError`.

    A RecordBatchReader is checked batch by batch as it is read. The C
    stream carries an exception raised there to Rust only as a message, so
    the ones the caller should raise again as they are (this check's
    :class:`InvalidArrayError`, a ``KeyboardInterrupt`` or ``SystemExit``
    while Python makes a batch) are appended to `raised`."""
    pa = sys.modules.get("pyarrow")
    if pa is None:
        return data
    if isinstance(data, pa.RecordBatchReader):
        return pa.RecordBatchReader.from_batches(
            data.schema, _checked_batches(data, [] if raised is None else raised)
        )
    if not isinstance(data, (pa.Table, pa.RecordBatch, pa.Array, pa.ChunkedArray)):
        return data
    try:
        data.validate()
    except pa.ArrowInvalid as e:
        raise InvalidArrayError(f"the input is not a valid Arrow table: {e}") from None
    return data


def _checked_batches(reader: Any, raised: list[BaseException]) -> Any:
    """The batches of `reader`, each validated, noting the exceptions to
    raise again (see :func:`_validated`)."""
    try:
        for batch in reader:
            yield _validated(batch)
    except (InvalidArrayError, KeyboardInterrupt, SystemExit) as e:
        raised.append(e)
        raise


def _misaligned(pa: Any, array: Any) -> bool:
    """Whether a buffer of `array` (or of its dictionary) is not 8-byte
    aligned: Arrow's C interface assumes aligned offsets, and the Rust side
    reads them before it copies anything."""
    if any(b is not None and b.address % 8 for b in array.buffers()):
        return True
    return isinstance(array, pa.DictionaryArray) and _misaligned(pa, array.dictionary)


_REALIGN_MAX_ARRAYS = 4096
"""Tables of more arrays than this are passed on unchecked (the check runs in
Python, a few microseconds an array)."""


def _realigned(data: Any) -> Any:
    """A pyarrow Table or RecordBatch with every misaligned array copied (into
    fresh, aligned buffers); aligned data, the usual case, is returned as it
    is, and so are other objects.

    Buffers can be misaligned after a trip through pickle protocol 5 (Dask
    moves pandas partitions that way) or from a slice of an IPC file in
    memory."""
    pa = sys.modules.get("pyarrow")
    if pa is None:
        return data

    def fix(array: Any) -> Any:
        return pa.concat_arrays([array]) if _misaligned(pa, array) else array

    if isinstance(data, pa.Table):
        if sum(col.num_chunks for col in data.columns) > _REALIGN_MAX_ARRAYS:
            return data  # checking would cost more than it is worth
        columns = [col.chunks for col in data.columns]
        if not any(_misaligned(pa, c) for chunks in columns for c in chunks):
            return data
        fixed = [pa.chunked_array([fix(c) for c in chunks], col.type)
                 for chunks, col in zip(columns, data.columns, strict=True)]
        return pa.Table.from_arrays(fixed, schema=data.schema)
    if isinstance(data, pa.RecordBatch):
        if not any(_misaligned(pa, c) for c in data.columns):
            return data
        return pa.RecordBatch.from_arrays([fix(c) for c in data.columns], schema=data.schema)
    return data


def _arrow_input(data: Any, raised: list[BaseException] | None = None) -> Any:
    """`data` as an object the extension reads through the PyCapsule
    interface; the exceptions to raise again when a pyarrow
    RecordBatchReader fails as it is read are appended to `raised` (see
    :func:`_validated`)."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return _realigned(_pandas_to_arrow(data))
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(data, pl.LazyFrame):
        data = data.collect()
    if pl is not None and isinstance(data, pl.DataFrame):
        return _polars_nulls_as_strings(data)
    _reject_series(data)
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return _realigned(_validated(data, raised))
    raise ArgumentTypeError(
        "cannot read data of type "
        f"{type(data).__module__}.{type(data).__qualname__}: expected a pandas or polars "
        "DataFrame, a pyarrow Table, RecordBatch or RecordBatchReader, an object with "
        "__arrow_c_stream__, or a file path (CSV/TSV, Parquet, Arrow IPC or Vowpal Wabbit)"
    )


def _reject_series(data: Any) -> None:
    """A single column (pandas or polars Series, pyarrow Array) cannot be
    ranked: the features and the target are columns of one table."""
    pd, pl, pa = (sys.modules.get(m) for m in ("pandas", "polars", "pyarrow"))
    kinds = [
        (pd, "Series", "series.to_frame() or the DataFrame it came from"),
        (pl, "Series", "series.to_frame() or the DataFrame it came from"),
        (pa, "Array", "pyarrow.table({...}) with the features and the target"),
        (pa, "ChunkedArray", "pyarrow.table({...}) with the features and the target"),
    ]
    for module, name, fix in kinds:
        if module is None:
            continue
        cls = getattr(module, name, None)
        dtype = getattr(data, "type", None)
        struct = module is pa and isinstance(dtype, module.DataType) and module.types.is_struct(dtype)
        if cls is not None and isinstance(data, cls) and not struct:
            raise ArgumentTypeError(
                f"cannot rank a single column ({module.__name__}.{name}): pass a DataFrame or "
                f"table holding the features and the target column, e.g. {fix}"
            )


def _source_name(data: Any) -> str:
    """How the report names in-memory data: its kind and shape."""
    kind = f"{type(data).__module__.split('.')[0]} {type(data).__qualname__}"
    shape = getattr(data, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2:
        return f"in-memory {kind} ({shape[0]:,} rows x {shape[1]:,} columns)"
    return f"in-memory {kind}"
