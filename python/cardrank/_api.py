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
from ._deps import require
from ._input import _arrow_input
from .exceptions import ArgumentTypeError, InputError, InvalidParameterError

__all__ = ["Output", "Ranker", "Score", "rank"]

Output: TypeAlias = Literal["arrow", "pandas", "polars", "dict"]
"""What a ranking is returned as (see :func:`rank`)."""

Score: TypeAlias = Literal["adjusted", "mi", "ami", "z"]
"""The score features are sorted by (see :func:`rank`)."""

_OUTPUTS = ("arrow", "pandas", "polars", "dict")

MIN_COUNT = 20
"""A selection's default ``min_count`` (the core's ``Grouping::SELECT``)."""

BINS = 32
"""The default ``bins`` of a thin numeric column (the core's ``Grouping::SELECT``)."""

METHOD: str = _core.DEFAULT_METHOD
"""The default selection method: the run layer's ``DEFAULT_METHOD``, as the
CLI's (one definition, in Rust)."""

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


def _check_target(target: Any) -> str:
    """`target` if it is a column name, else an error saying what to pass."""
    if isinstance(target, str):
        return target
    hint = ""
    if isinstance(target, int) and not isinstance(target, bool):
        hint = f" (to use the column at position {target}, pass its name: df.columns[{target}])"
    raise ArgumentTypeError(
        f"`target` must be a column name (str), not {type(target).__name__} {target!r}{hint}"
    )


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


READ_DEFAULTS: dict[str, Any] = {
    "format": None,
    "delimiter": None,
    "numeric": "none",
    "multivalue": None,
    "sample_rate": None,
    "seed": 0,
    "skip_bad_rows": False,
    "vw_namespaces": None,
    "batch_size": 65_536,
}
"""The options of reading files, with the CLI's names and defaults
(``--format``, ``--delimiter``, ``--numeric``, ``--multivalue`` (a list),
``--sample-rate``, ``--seed``, ``--skip-bad-rows``, ``--vw-namespaces``,
``--batch-size``); ``max_distinct`` is a ranking parameter and applies to
data in memory too."""


def _read_options(given: dict[str, Any]) -> dict[str, Any]:
    """The read options that differ from their defaults, checked for names
    and simple types (the extension checks the values)."""
    unknown = sorted(set(given) - set(READ_DEFAULTS))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r}; the read options are "
            + ", ".join(READ_DEFAULTS)
        )
    out: dict[str, Any] = {}
    for name, value in given.items():
        if value is None or value == READ_DEFAULTS[name] and type(value) is type(
            READ_DEFAULTS[name]
        ):
            continue
        if name == "multivalue":
            value = _names(value, name)
        out[name] = value
    return out


def _no_read_options(read: dict[str, Any]) -> None:
    """Read options mean nothing for data already in memory."""
    if read:
        name = next(iter(read))
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {read[name]!r}: read options apply to file paths; "
            "data in memory is already parsed"
        )


def _core_params(params: dict[str, Any]) -> dict[str, Any]:
    """`params` as the extension takes them (threads resolved after fork)."""
    return {**params, "threads": _resolve_threads(params["threads"])}


def _check_output(output: str | None) -> None:
    if output is not None and output not in _OUTPUTS:
        raise InvalidParameterError(
            f"invalid parameter `output` = {output!r}: expected one of {', '.join(_OUTPUTS)}"
        )


def _kind_of(data: Any) -> Output:
    """The output kind that matches the caller's input: pandas in, pandas out
    (a Dask DataFrame counts as pandas: its partitions are); polars in,
    polars out; Arrow, a file path or anything else in, Arrow out."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return "pandas"
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(data, (pl.DataFrame, pl.LazyFrame)):
        return "polars"
    dd = sys.modules.get("dask.dataframe")
    if dd is not None and isinstance(data, dd.DataFrame):
        return "pandas"
    return "arrow"


def _output_for(data: Any, output: Output | None) -> Output:
    """`output` when given (checked), else the kind of `data`."""
    _check_output(output)
    return _kind_of(data) if output is None else output


# --- outputs ----------------------------------------------------------------


def _metadata(ranking: _core.Ranking) -> dict[str, Any]:
    return {
        "target": ranking.target,
        "rows": ranking.rows,
        "classes": ranking.classes,
        "target_entropy": ranking.target_entropy,
        "score": ranking.score_name,
        "dropped_missing_target": ranking.dropped_missing_target,
    }


def _convert(ranking: _core.Ranking, output: str) -> Any:
    if output == "dict":
        return ranking.to_pylist()
    if output == "polars":
        pl = require("polars", "output='polars'")
        return pl.DataFrame(ranking)
    pa = require("pyarrow", f"output={output!r}")
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
        max_distinct: Keep at most this many distinct values per feature;
            the rarest fold into one ``<other>`` level (as ``--max-distinct``).
        **read_options: How :meth:`update` reads files, with the CLI's names
            and defaults: ``format`` (``"csv"``, ``"tsv"``, ``"parquet"``,
            ``"ipc"``, ``"vw"``; default: recognised), ``delimiter`` (one
            character or ``"tab"``), ``numeric`` (``"none"``,
            ``"quantile:K"``, ``"log"``, ``"log:B"``), ``multivalue`` (a list
            of ``"COLUMN:SEPARATOR"``), ``sample_rate`` and ``seed``,
            ``skip_bad_rows``, ``vw_namespaces`` (``"a=user,b=site"``) and
            ``batch_size``. See ``docs/inputs.md``.
        drop_missing_target: Rows whose target is missing (null, NaN or a
            ``missing`` token) are never counted: a missing target is not a
            class. By default :meth:`finish` then raises
            :class:`MissingTargetValueError` naming how many; with ``True``
            they are dropped, and the count is in the ranking's metadata
            (``dropped_missing_target``) and :attr:`missing_target_rows`.

    Raises:
        InvalidParameterError: for a bad ``threads`` or ``score``, an
            ``exclude`` that names the target, or a read option given for
            data in memory.
        ArgumentTypeError: if ``target`` is not a str.

    Threads: a ranker can be shared between threads. Its calls run one at
    a time (each waits for the one before, without holding the GIL), so
    four threads calling :meth:`update` on one ranker count every row once;
    ``r.merge(r)`` doubles every count.

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

    __slots__ = ("_inner", "_kind", "_params")

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
        drop_missing_target: bool = False,
        max_distinct: int | None = None,
        **read_options: Any,
    ) -> None:
        target = _check_target(target)
        self._params = _ranker_params(threads, missing, features, exclude, score, pairs, triples)
        self._params["drop_missing_target"] = bool(drop_missing_target)
        if max_distinct is not None:
            self._params["max_distinct"] = max_distinct
        self._params |= _read_options(read_options)
        self._inner = _core.Ranker(target, **_core_params(self._params))
        self._kind: Output = "arrow"

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
        drop_missing_target: bool = False,
        max_distinct: int | None = None,
        **read_options: Any,
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
        self._params["drop_missing_target"] = bool(drop_missing_target)
        if max_distinct is not None:
            self._params["max_distinct"] = max_distinct
        self._params |= _read_options(read_options)
        self._inner = _core.Ranker.from_bytes(bytes(data), **_core_params(self._params))
        self._kind = "arrow"
        return self

    def update(self, data: Any) -> None:
        """Adds rows: a pandas or polars DataFrame, a pyarrow Table,
        RecordBatch or RecordBatchReader, any object with
        ``__arrow_c_stream__``, or a file path (see :func:`rank`; read in
        Rust).

        Arrow data is read batch by batch without copying its columns, with
        the GIL released; Ctrl-C between two batches, or while a Python
        source makes one, raises ``KeyboardInterrupt`` (the batches already
        read stay counted, as they do when a source fails partway). One
        plain CSV/TSV file is read in parallel byte ranges, merged at the
        end: Ctrl-C then counts nothing of it.

        Raises:
            MissingTargetError: if the target column is absent.
            UnsupportedTypeError: for a column that cannot be read as
                categories.
            DuplicateColumnError: if two columns have the same name.
            InvalidArrayError: if an Arrow array is malformed.
            ArgumentTypeError: for a single column (a Series) or an object
                that is not a table.
            InputError: if a file cannot be read (see its subclasses).
        """
        if isinstance(data, (str, os.PathLike)):
            self._inner.update_path(os.fspath(data))
        else:
            _no_read_options({k: v for k, v in self._params.items() if k in READ_DEFAULTS})
            raised: list[BaseException] = []
            try:
                self._inner.update(_arrow_input(data, raised))
            except InputError:
                # A Ctrl-C, or the batch check's error, in a Python batch
                # source reached Rust as a stream error: raise it as it was.
                if raised:
                    raise raised[0] from None
                raise
        self._kind = _kind_of(data)

    def merge(self, other: Ranker) -> None:
        """Adds the counts of ``other`` (a ranker of the same target and
        features that saw other rows); ``other`` is left unchanged.

        Merging a ranker with itself doubles every count; a merge waits
        for calls running on either ranker in other threads.

        Raises:
            StateMismatchError: if the two rankers cannot be combined.
        """
        if not isinstance(other, Ranker):
            raise TypeError(f"can only merge a cardrank.Ranker, not {type(other).__name__}")
        self._inner.merge(other._inner)

    def to_bytes(self) -> bytes:
        """The accumulated counts as bytes (see :meth:`from_bytes`)."""
        return self._inner.to_bytes()

    def finish(self, output: Output | None = None) -> Any:
        """Computes the ranking of the rows seen so far (the ranker stays
        usable). ``output`` is as for :func:`rank`; by default the kind of
        the data last given to :meth:`update` (pandas in, pandas out; a
        ranker restored from bytes or a pickle returns Arrow).

        Raises:
            NoRowsError: if no rows were added.
            ConstantTargetError: if the target has a single value.
            MissingTargetValueError: if rows had a missing target and
                ``drop_missing_target`` is not set.
        """
        _check_output(output)
        return _convert(self._inner.finish(), self._kind if output is None else output)

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
    def missing_target_rows(self) -> int:
        """Rows left out so far because their target was missing."""
        return self._inner.missing_target_rows

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
    output: Output | None = None,
    drop_missing_target: bool = False,
    max_distinct: int | None = None,
    given: Iterable[str] | None = None,
    joint_levels: int = 10_000,
    min_count: int = 0,
    bins: int = BINS,
    max_features: int | None = None,
    **read_options: Any,
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
        output: ``"arrow"`` (a pyarrow Table), ``"pandas"``, ``"polars"``
            or ``"dict"`` (a list of dicts). By default the kind of ``data``:
            pandas in, pandas out; polars in, polars out; Arrow or a file
            path in, a pyarrow Table out.
        drop_missing_target: Leave out the rows whose target is missing
            (null, NaN or a ``missing`` token) and report how many (the
            metadata's ``dropped_missing_target``). Default: such rows are
            an error (:class:`MissingTargetValueError`), as in scikit-learn.
        max_distinct: Keep at most this many distinct values per feature;
            the rarest fold into one ``<other>`` level.
        given: Features a model already has: rank the others by what they
            add beyond them (see below); the given features are not ranked.
        joint_levels: With ``given``: a candidate is scored given the joint
            value of all given features when they have at most this many
            observed combinations, else given the one that explains it best.
        max_features: With ``given``: the candidates are the best M features
            by ``score`` (default 500).
        min_count, bins: With ``given``: values seen in fewer than
            ``min_count`` rows are rare, and pooled into one level (a numeric
            column mostly of rare values is cut into ``bins`` equal-frequency
            bins instead), as :func:`cardrank.select` does by default (20);
            0 (the default here) keeps every value its own level.
        **read_options: For a file path, how to read it (the CLI's input
            options, same names and defaults): ``format``, ``delimiter``,
            ``numeric``, ``multivalue``, ``sample_rate``, ``seed``,
            ``skip_bad_rows``, ``vw_namespaces``, ``batch_size``; see
            :class:`Ranker`.

    Returns:
        One row per feature, best first, with the columns
        ``cardrank.COLUMNS``: rank, feature, cardinality, missing_share,
        entropy, mi, expected_mi, ami, score, adjusted, null_sd, z,
        g_test_log10_p, log10_q (all in nats).

        With ``given``: one row per candidate, best first, with the columns
        rank, feature, relevance (MI - EMI alone), score (what it adds: the
        adjusted conditional MI with the target given the given features'
        joint value, or the smallest given any one of them), z,
        min_adjusted, worst (the given feature explaining it best),
        determined (a function of a given feature: adds nothing, ranked
        last) and joint_adjusted.

    Raises:
        MissingTargetError: if ``target`` is not a column (also a KeyError).
        ConstantTargetError: if the target has a single value.
        MissingTargetValueError: if rows have a missing target (see
            ``drop_missing_target``).
        InvalidParameterError: for a bad parameter (also a ValueError).
        ArgumentTypeError: if ``target`` is not a str, or ``data`` is a
            single column (a Series) or not a table (also a TypeError).
        InputError: if a file cannot be read (also a ValueError).

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"site": list("aabbcc"), "id": list("uvwxyz"),
        ...                    "click": [1, 1, 0, 0, 0, 0]})
        >>> cardrank.rank(df, "click", output="dict")[0]["feature"]
        'site'
    """
    if given is not None:
        if max_distinct is not None:
            raise InvalidParameterError(
                "`max_distinct` cannot be combined with `given`: folding renumbers values"
            )
        from ._conditional import rank_given

        return rank_given(
            data, target, given, joint_levels=joint_levels, min_count=min_count, bins=bins,
            max_features=max_features,
            threads=threads, missing=missing, features=features, exclude=exclude, score=score,
            drop_missing_target=drop_missing_target, output=output, read_options=read_options,
        )
    if max_features is not None:
        raise InvalidParameterError("`max_features` is an option of a ranking with `given`")
    if min_count != 0 or bins != BINS:
        raise InvalidParameterError(
            "`min_count` and `bins` are options of a ranking with `given` (or of select)"
        )
    output = _output_for(data, output)
    ranker = Ranker(
        target, threads=threads, missing=missing, features=features, exclude=exclude,
        score=score, drop_missing_target=drop_missing_target, max_distinct=max_distinct,
        **read_options,
    )
    ranker.update(data)
    return ranker.finish(output=output)
