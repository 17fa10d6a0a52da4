"""The Python surface over the extension module: input and output conversion.

Nothing here computes a measure: inputs become Arrow objects (the Rust side
reads them through the Arrow PyCapsule interface, without copying column
buffers), and the finished ranking becomes the table type asked for.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any, Literal, Self, TypeAlias

from . import _core
from .exceptions import InvalidParameterError

__all__ = ["Output", "Ranker", "Score", "rank"]

Output: TypeAlias = Literal["arrow", "pandas", "polars", "dict"]
"""What a ranking is returned as (see :func:`rank`)."""

Score: TypeAlias = Literal["adjusted", "mi", "ami", "z"]
"""The score features are sorted by (see :func:`rank`)."""

_OUTPUTS = ("arrow", "pandas", "polars", "dict")

# --- forked children --------------------------------------------------------
#
# rayon's global thread pool does not survive fork(): a child that uses it
# waits forever for threads that only exist in the parent. In a forked child
# every ranker therefore gets a thread pool of its own (the `threads`
# parameter), which the core builds fresh.
_forked = False


def _after_fork_in_child() -> None:
    global _forked
    _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _cpu_count() -> int:
    if hasattr(os, "process_cpu_count"):  # Python >= 3.13
        n = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:
        n = os.cpu_count()
    return n or 1


def _resolve_threads(threads: int | None) -> int | None:
    """`threads` as given; in a forked child, never the global pool."""
    if threads is not None or not _forked:
        return threads
    env = os.environ.get("CARDRANK_THREADS", "").strip()
    if env:
        return None  # the core reads (and checks) CARDRANK_THREADS itself
    return min(_cpu_count(), _core.MAX_THREADS)


def _names(value: Iterable[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be a list of strings, not a single {type(value).__name__}")
    return [str(v) for v in value]


def _ranker_params(
    threads: int | None,
    missing: Iterable[str] | None,
    features: Iterable[str] | None,
    exclude: Iterable[str] | None,
    score: str,
    pairs: Iterable[str] | None,
    triples: Iterable[Iterable[str]] | None,
) -> dict[str, Any]:
    """The parameters of a :class:`Ranker`, checked for type, as kept for
    pickling."""
    params: dict[str, Any] = {
        "threads": threads,
        "missing": _names(missing, "missing"),
        "features": _names(features, "features"),
        "exclude": _names(exclude, "exclude"),
        "score": score,
    }
    if pairs is not None:
        params["pairs"] = _names(pairs, "pairs")
    if triples is not None:
        if isinstance(triples, (str, bytes)):
            raise TypeError("`triples` must be a list of 3-name lists, not a single string")
        checked = [_names(t, "triples") for t in triples]
        for t in checked:
            if t is None or len(t) != 3:
                raise InvalidParameterError(
                    f"invalid parameter `triples`: {t!r} is not three feature names"
                )
        params["triples"] = checked
    return params


def _core_params(params: dict[str, Any]) -> dict[str, Any]:
    """`params` as the extension takes them (threads resolved after fork)."""
    return {**params, "threads": _resolve_threads(params["threads"])}


def _check_output(output: str) -> None:
    if output not in _OUTPUTS:
        raise InvalidParameterError(
            f"invalid parameter `output` = {output!r}: expected one of {', '.join(_OUTPUTS)}"
        )


# --- inputs -----------------------------------------------------------------


def _pandas_to_arrow(df: Any) -> Any:
    """A pandas DataFrame as a pyarrow Table of its columns (never its index).

    pandas' own ``__arrow_c_stream__`` would add a non-default index as a
    column, which would then be ranked as a feature.
    """
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    # Object columns of mixed types: each value by its text, nulls kept.
    columns = {}
    for name in df.columns:
        col = df[name]
        try:
            columns[str(name)] = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            isnull = col.isna().to_numpy()
            values = [None if null else str(v) for v, null in zip(col, isnull, strict=True)]
            columns[str(name)] = pa.array(values, type=pa.string())
    return pa.table(columns)


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


def _arrow_input(data: Any) -> Any:
    """`data` as an object the extension reads through the PyCapsule interface."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return _realigned(_pandas_to_arrow(data))
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(data, pl.LazyFrame):
        return data.collect()
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return _realigned(data)
    raise TypeError(
        "cannot read data of type "
        f"{type(data).__module__}.{type(data).__qualname__}: expected a pandas or polars "
        "DataFrame, a pyarrow Table, RecordBatch or RecordBatchReader, an object with "
        "__arrow_c_stream__, or a file path (CSV/TSV, Parquet, Arrow IPC or Vowpal Wabbit)"
    )


# --- outputs ----------------------------------------------------------------


def _metadata(ranking: _core.Ranking) -> dict[str, Any]:
    return {
        "target": ranking.target,
        "rows": ranking.rows,
        "classes": ranking.classes,
        "target_entropy": ranking.target_entropy,
        "score": ranking.score_name,
    }


def _convert(ranking: _core.Ranking, output: str) -> Any:
    if output == "dict":
        return ranking.to_pylist()
    if output == "polars":
        import polars as pl

        return pl.DataFrame(ranking)
    import pyarrow as pa

    table = pa.table(ranking)
    if output == "pandas":
        df = table.to_pandas()
        df.attrs.update(_metadata(ranking))
        return df
    return table


# --- public API -------------------------------------------------------------


class Ranker:
    """Ranks features by streaming batches of rows; mergeable and picklable.

    Feed it any number of batches with :meth:`update` (the columns are fixed
    by the first one), combine rankers that saw different rows with
    :meth:`merge`, then :meth:`finish`. The counts are exact: merging two
    rankers gives bit for bit the ranking of one pass over all their rows.

    Args:
        target: Name of the target column.
        threads: Worker threads, 1 to 1024. ``None`` reads the
            ``CARDRANK_THREADS`` environment variable, else uses all cores.
        missing: Values counted as missing (one category of their own), in
            addition to nulls. Default ``[""]``.
        features: Rank only these columns.
        exclude: Leave these columns out.
        score: What features are sorted by: ``"adjusted"`` (MI minus its
            expectation under permutation, the default), ``"mi"``, ``"ami"``
            or ``"z"``.
        pairs: Also count every pair among these features (single-valued
            columns), for :meth:`interactions`. The tables merge and pickle
            with the rest.
        triples: Also count these triples (lists of three feature names).

    Raises:
        InvalidParameterError: for a bad ``threads`` or ``score``.

    Example:
        >>> import pyarrow as pa, cardrank
        >>> r = cardrank.Ranker("click")
        >>> r.update(pa.table({"site": ["a", "a", "b", "b"], "click": [1, 1, 0, 0]}))
        >>> r.update(pa.table({"site": ["a", "b"], "click": [1, 0]}))
        >>> r.rows
        6
        >>> r.finish(output="dict")[0]["feature"]
        'site'
    """

    __slots__ = ("_inner", "_params")

    def __init__(
        self,
        target: str,
        *,
        threads: int | None = None,
        missing: Iterable[str] | None = None,
        features: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        score: Score = "adjusted",
        pairs: Iterable[str] | None = None,
        triples: Iterable[Iterable[str]] | None = None,
    ) -> None:
        self._params = _ranker_params(threads, missing, features, exclude, score, pairs, triples)
        self._inner = _core.Ranker(target, **_core_params(self._params))

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        threads: int | None = None,
        missing: Iterable[str] | None = None,
        features: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        score: Score = "adjusted",
        pairs: Iterable[str] | None = None,
        triples: Iterable[Iterable[str]] | None = None,
    ) -> Self:
        """A ranker continuing from the bytes of :meth:`to_bytes`.

        The target and the missing tokens come from the bytes (a
        ``missing`` given here must equal them). The other parameters are as
        for :class:`Ranker`; ``pairs`` and ``triples`` must be those the
        bytes were counted with.

        Raises:
            InvalidStateError: if the bytes are not a cardrank state.
            StateMismatchError: if ``missing``, ``pairs`` or ``triples``
                differ from the state's.
        """
        self = cls.__new__(cls)
        self._params = _ranker_params(threads, missing, features, exclude, score, pairs, triples)
        self._inner = _core.Ranker.from_bytes(bytes(data), **_core_params(self._params))
        return self

    def update(self, data: Any) -> None:
        """Adds rows: a pandas or polars DataFrame, a pyarrow Table,
        RecordBatch or RecordBatchReader, any object with
        ``__arrow_c_stream__``, or a file path (see :func:`rank`; read in
        Rust).

        Arrow data is read batch by batch without copying its columns, with
        the GIL released; Ctrl-C between two batches raises
        ``KeyboardInterrupt`` (the batches already read stay counted). One
        plain CSV/TSV file is read in parallel byte ranges, merged at the
        end: Ctrl-C then counts nothing of it.

        Raises:
            MissingTargetError: if the target column is absent.
            UnsupportedTypeError: for a column that cannot be read as
                categories.
            InputError: if a file cannot be read (see its subclasses).
        """
        if isinstance(data, (str, os.PathLike)):
            self._inner.update_path(os.fspath(data))
        else:
            self._inner.update(_arrow_input(data))

    def merge(self, other: Ranker) -> None:
        """Adds the counts of ``other`` (a ranker of the same target and
        features that saw other rows); ``other`` is left unchanged.

        Raises:
            StateMismatchError: if the two rankers cannot be combined.
        """
        if not isinstance(other, Ranker):
            raise TypeError(f"can only merge a cardrank.Ranker, not {type(other).__name__}")
        self._inner.merge(other._inner)

    def to_bytes(self) -> bytes:
        """The accumulated counts as bytes (see :meth:`from_bytes`)."""
        return self._inner.to_bytes()

    def finish(self, output: Output = "arrow") -> Any:
        """Computes the ranking of the rows seen so far (the ranker stays
        usable). ``output`` is as for :func:`rank`.

        Raises:
            NoRowsError: if no rows were added.
            ConstantTargetError: if the target has a single value.
        """
        _check_output(output)
        return _convert(self._inner.finish(), output)

    def interactions(self) -> dict[str, Any]:
        """Redundancy, joint relevance and synergy of the tuples counted with
        ``pairs`` and ``triples``, as a dict: ``rows``, ``features``,
        ``relevance``, ``pairs_tested``, ``triples_tested`` and the lists
        ``redundancy`` (most redundant first), ``pairs`` and ``triples``
        (largest adjusted synergy first); see :func:`cardrank.redundancy`
        and :func:`cardrank.interactions` for the measures.

        Raises:
            InvalidParameterError: if the ranker counts no pairs.
            NoRowsError: if no rows were added.
        """
        found: dict[str, Any] = json.loads(self._inner.interactions_json())
        return found

    @property
    def rows(self) -> int:
        """Rows added so far."""
        return self._inner.rows

    @property
    def target(self) -> str:
        """The target column."""
        return self._inner.target

    def __reduce__(self) -> tuple[Any, ...]:
        params = {k: v for k, v in self._params.items() if k != "target"}
        return (_restore, (self.to_bytes(), params))

    def __repr__(self) -> str:
        return repr(self._inner)


def _restore(data: bytes, params: dict[str, Any]) -> Ranker:
    """Unpickles a :class:`Ranker`."""
    return Ranker.from_bytes(data, **params)


def rank(
    data: Any,
    target: str,
    *,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    output: Output = "arrow",
) -> Any:
    """Ranks the features of ``data`` by how much they tell about ``target``.

    Each feature's score is its mutual information with the target minus the
    exact mutual information expected by chance for a feature with the same
    value counts (``score="adjusted"``), so many-valued columns such as IDs
    gain nothing from their cardinality. Every column is read as categories:
    strings, categoricals, integers, floats and booleans by their values,
    nulls (and the ``missing`` tokens) as one category of their own.

    Args:
        data: A pandas or polars DataFrame, a pyarrow Table, RecordBatch or
            RecordBatchReader, any object with ``__arrow_c_stream__``, or a
            file path (``str`` or ``os.PathLike``), read in Rust: CSV/TSV
            (plain, .gz or .zst), Parquet, Arrow IPC or Vowpal Wabbit text,
            recognised by content; a glob pattern (``"parts/*.parquet"``)
            reads every matching file as one input.
        target: Name of the target column.
        threads: Worker threads (``None``: ``CARDRANK_THREADS``, else all
            cores).
        missing: Values counted as missing, besides nulls. Default ``[""]``.
        features: Rank only these columns.
        exclude: Leave these columns out.
        score: ``"adjusted"`` (default), ``"mi"``, ``"ami"`` or ``"z"``.
        output: ``"arrow"`` (a pyarrow Table, default), ``"pandas"``,
            ``"polars"`` or ``"dict"`` (a list of dicts).

    Returns:
        One row per feature, best first, with the columns
        ``cardrank.COLUMNS``: rank, feature, cardinality, missing_share,
        entropy, mi, expected_mi, ami, score, adjusted, null_sd, z,
        g_test_log10_p, log10_q (all in nats).

    Raises:
        MissingTargetError: if ``target`` is not a column (also a KeyError).
        ConstantTargetError: if the target has a single value.
        InvalidParameterError: for a bad parameter (also a ValueError).
        InputError: if a file cannot be read (also a ValueError).

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"site": list("aabbcc"), "id": list("uvwxyz"),
        ...                    "click": [1, 1, 0, 0, 0, 0]})
        >>> cardrank.rank(df, "click", output="dict")[0]["feature"]
        'site'
    """
    _check_output(output)
    ranker = Ranker(
        target, threads=threads, missing=missing, features=features, exclude=exclude, score=score
    )
    ranker.update(data)
    return ranker.finish(output=output)
