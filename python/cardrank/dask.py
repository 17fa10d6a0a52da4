"""Exact ranking of a Dask DataFrame across many workers.

Each partition becomes a cardrank state on the worker that holds it (the
bytes of :meth:`cardrank.Ranker.to_bytes`, a few kilobytes to megabytes: they
grow with the distinct values of the partition, not its rows); the states
merge in a tree of Dask tasks, ``split_every`` at a time; the client finishes
the one merged state. The counts are exact, so the result equals
:func:`cardrank.rank` on the whole data, bit for bit.

>>> import dask.dataframe as dd, cardrank.dask                  # doctest: +SKIP
>>> ddf = dd.read_parquet("clicks/*.parquet")                    # doctest: +SKIP
>>> table = cardrank.dask.rank(ddf, "click")                     # doctest: +SKIP

The work runs on whatever scheduler Dask would use for ``ddf.compute()``: a
``dask.distributed`` client if one is active, else the local threads.
Needs ``pip install cardrank[dask]`` (dask and pyarrow).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ._deps import require

require("dask.dataframe", "cardrank.dask")
require("pyarrow", "cardrank.dask")

import dask.dataframe as dd  # noqa: E402 (after the checks that name the extra)
from dask.delayed import delayed  # noqa: E402

from ._api import (  # noqa: E402
    BINS,
    METHOD,
    MIN_COUNT,
    Output,
    Ranker,
    Score,
    _output_for,
    _ranker_params,
)
from ._input import _arrow_input  # noqa: E402
from .exceptions import InvalidParameterError  # noqa: E402

__all__ = [
    "SPLIT_EVERY",
    "interactions",
    "partition_state",
    "pass_state",
    "rank",
    "redundancy",
    "select",
    "state",
]

SPLIT_EVERY = 8
"""Default number of states one merge task combines."""


def partition_state(part: Any, target: str, params: dict[str, Any]) -> bytes:
    """The state bytes of one partition (runs on a worker).

    ``part`` is anything :meth:`cardrank.Ranker.update` takes (a pandas
    partition is converted as :func:`cardrank.rank` converts a whole frame);
    ``params`` are the keyword arguments of :class:`cardrank.Ranker`.
    """
    ranker = Ranker(target, **params)
    ranker.update(part)
    return ranker.to_bytes()


def merge_states(
    states: Sequence[bytes], threads: int | None = None, pairs: dict[str, Any] | None = None
) -> bytes:
    """The state bytes holding the counts of all ``states`` (runs on a worker);
    ``pairs`` are the ``pairs`` / ``triples`` arguments the states were
    counted with."""
    extra = pairs or {}
    total = Ranker.from_bytes(states[0], threads=threads, **extra)
    for data in states[1:]:
        total.merge(Ranker.from_bytes(data, threads=threads, **extra))
    return total.to_bytes()


def _check_columns(ddf: Any, target: str, params: dict[str, Any]) -> list[Any]:
    """Raises the core's own error for an absent target, feature or excluded
    column (and for a column type it cannot read) from the DataFrame's
    metadata, before any compute; returns the columns to read."""
    import pyarrow as pa

    meta = ddf._meta  # the empty pandas frame Dask keeps for every collection
    schema = _arrow_input(meta).schema
    # A table of no rows has no batch to read; an empty batch has the columns.
    empty = pa.RecordBatch.from_pylist([], schema=schema)
    Ranker(target, **params).update(empty)
    features, exclude = params["features"], params["exclude"]
    keep = []
    for column in ddf.columns:
        name = str(column)
        if name == target or (
            (features is None or name in features) and (exclude is None or name not in exclude)
        ):
            keep.append(column)
    return keep


def _graph(ddf: Any, target: str, params: dict[str, Any], split_every: int) -> Any:
    """The Delayed whose value is the merged state bytes of every partition."""
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"expected a dask.dataframe.DataFrame, not {type(ddf).__module__}."
            f"{type(ddf).__qualname__} (use cardrank.rank for in-memory data)"
        )
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise InvalidParameterError(
            f"invalid parameter `split_every` = {split_every!r}: expected an integer >= 2"
        )
    keep = _check_columns(ddf, target, params)
    if len(keep) < len(ddf.columns):
        # Only the target and the wanted features are read (Parquet skips the
        # other columns); `exclude` has been applied here.
        ddf = ddf[keep]
        params = {**params, "exclude": None}
    make_state = delayed(partition_state, pure=True)
    merge = delayed(merge_states, pure=True)
    level = [make_state(part, target, params) for part in ddf.to_delayed()]
    threads = params["threads"]
    pairs = {k: params[k] for k in ("pairs", "triples") if params.get(k) is not None}
    while len(level) > 1:
        level = [
            merge(level[i : i + split_every], threads, pairs)
            for i in range(0, len(level), split_every)
        ]
    return level[0]


def state(
    ddf: Any,
    target: str,
    *,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    split_every: int = SPLIT_EVERY,
    pairs: Iterable[str] | None = None,
    triples: Iterable[Iterable[str]] | None = None,
) -> Ranker:
    """The merged :class:`cardrank.Ranker` of every partition of ``ddf``.

    The parameters are those of :func:`rank`, and ``pairs`` / ``triples`` of
    :class:`cardrank.Ranker` (the pair tables are counted per partition and
    merged too). The ranker holds the counts of all rows;
    :meth:`~cardrank.Ranker.finish` it, ask it for
    :meth:`~cardrank.Ranker.interactions`, merge it with others, or store
    its bytes.
    """
    params = _ranker_params(threads, missing, features, exclude, score, pairs, triples)
    data = _graph(ddf, target, params, split_every).compute()
    # The missing tokens come with the bytes.
    return Ranker.from_bytes(data, **{k: v for k, v in params.items() if k != "missing"})


def rank(
    ddf: Any,
    target: str,
    *,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    output: Output | None = None,
    split_every: int = SPLIT_EVERY,
    given: Iterable[str] | None = None,
    joint_levels: int = 10_000,
    min_count: int = 0,
    bins: int = BINS,
    max_features: int | None = None,
) -> Any:
    """Ranks the features of a Dask DataFrame exactly as :func:`cardrank.rank`
    ranks the same rows in one process (with ``given``: the candidates by
    what they add beyond the given features, as ``cardrank.rank(...,
    given=...)``).

    Each partition is counted on its worker, the states merge in a tree of
    tasks (``split_every`` states per merge), and the merged state is
    finished here. Every column is read as categories, as by
    :func:`cardrank.rank`: a partition converts to Arrow as a whole pandas
    frame would, so categoricals whose categories differ between partitions,
    and nulls in integer or float columns, count as they would in the
    concatenated frame. A column should have the same dtype in every
    partition (as Dask assumes anyway): an integer column that is ``float64``
    in some partitions would count ``1`` and ``1.0`` as two values.

    Args:
        ddf: A ``dask.dataframe.DataFrame`` (e.g. ``dd.read_parquet`` over
            many files).
        target: Name of the target column.
        threads: Threads per task on the workers, and for the final ranking
            here (``None``: ``CARDRANK_THREADS``, else all cores).
        missing: Values counted as missing, besides nulls. Default ``[""]``.
        features: Rank only these columns (only they and the target are read).
        exclude: Leave these columns out (they are not read).
        score: ``"adjusted"`` (default), ``"mi"``, ``"ami"`` or ``"z"``.
        output: ``"arrow"``, ``"pandas"`` (default: a Dask DataFrame's
            partitions are pandas), ``"polars"`` or ``"dict"``.
        split_every: States combined by one merge task (at least 2).

    Returns:
        The ranking, as :func:`cardrank.rank` returns it.

    Raises:
        MissingTargetError: if ``target`` is not a column of ``ddf``, before
            any compute.
        UnknownColumnError: if a column in ``features`` or ``exclude`` is
            absent, before any compute.
        NoRowsError: if ``ddf`` has no rows (as :func:`cardrank.rank`).
        InvalidParameterError: for a bad parameter (``split_every`` < 2, ...).
    """
    output = _output_for(ddf, output)
    if given is not None:
        from ._conditional import _grouping, _levels, given_table

        plan = _plan(
            ddf, target, max_features=max_features, max_pairs=None, triple_pairs=None,
            threads=threads, missing=missing, features=features, exclude=exclude,
            split_every=split_every, score=score, given=_given_names(given),
            grouping=_grouping(min_count, bins),
        )
        return given_table(plan.finish_probe(), _levels(joint_levels), output)
    merged = state(
        ddf,
        target,
        threads=threads,
        missing=missing,
        features=features,
        exclude=exclude,
        score=score,
        split_every=split_every,
    )
    return merged.finish(output=output)


def pass_state(part: Any, params: str) -> bytes:
    """The state bytes of one partition for one pass of a pair plan (runs on
    a worker); ``params`` is the pass's JSON from ``PairPlan.next``."""
    from . import _core

    ranker = _core.Ranker.for_pass(params)
    ranker.update(_arrow_input(part))
    return ranker.to_bytes()


def _pass_graph(ddf: Any, target: str, params: str, columns: list[str] | None,
                split_every: int) -> Any:
    """The Delayed merged state of one pass over every partition, reading
    only the pass's columns (and the target) when it names them."""
    from . import _core

    if columns is not None:
        wanted = set(columns) | {target}
        ddf = ddf[[c for c in ddf.columns if str(c) in wanted]]
    make = delayed(pass_state, pure=True)
    merge = delayed(_core.merge_states, pure=True)
    level = [make(part, params) for part in ddf.to_delayed()]
    while len(level) > 1:
        level = [merge(level[i : i + split_every]) for i in range(0, len(level), split_every)]
    return level[0]


def _plan(
    ddf: Any,
    target: str,
    *,
    max_features: int | None,
    max_pairs: int | None,
    triple_pairs: int | None,
    threads: int | None,
    missing: Iterable[str] | None,
    features: Iterable[str] | None,
    exclude: Iterable[str] | None,
    split_every: int,
    score: Score = "adjusted",
    given: list[str] | None = None,
    grouping: dict[str, int] | None = None,
) -> Any:
    """Every pass of the run layer's plan (the same ``PairPlan`` that
    :func:`cardrank.redundancy` and :func:`cardrank.select` drive in one
    process), each pass a tree of partition states merged on the workers;
    the plan comes back ready to finish (``finish``, or ``finish_probe``
    with ``given``)."""
    from . import _core
    from ._api import _core_params
    from ._pairs import _positive

    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"expected a dask.dataframe.DataFrame, not {type(ddf).__module__}."
            f"{type(ddf).__qualname__} (use the function of cardrank for in-memory data)"
        )
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise InvalidParameterError(
            f"invalid parameter `split_every` = {split_every!r}: expected an integer >= 2"
        )
    params = _ranker_params(threads, missing, features, exclude, score, None, None)
    keep = _check_columns(ddf, target, params)
    if len(keep) < len(ddf.columns):
        ddf = ddf[keep]
        params = {**params, "exclude": None}
    schema = _arrow_input(ddf._meta).schema
    ranked, pairable = _core.features_of(
        schema, target, features=params["features"], exclude=params["exclude"]
    )
    plan = _core.PairPlan(
        target, len(ranked), pairable, **_core_params(params),
        max_features=_positive(max_features, "max_features", none_ok=True),
        max_pairs=_positive(max_pairs, "max_pairs", none_ok=True),
        triple_pairs=_positive(triple_pairs, "triple_pairs", none_ok=True),
        given=given,
        **(grouping or {}),
    )
    while (step := plan.next()) is not None:
        pass_params, columns = step
        plan.take(_pass_graph(ddf, target, pass_params, columns, split_every).compute())
    return plan


def _pairs(ddf: Any, target: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The counted pairs (and triples) of the plan, with the metadata."""
    from ._pairs import _metadata

    result = _plan(ddf, target, **kwargs).finish()
    found: dict[str, Any] = json.loads(result.interactions_json())
    return found, _metadata(result)


def _given_names(given: Iterable[str] | str | None) -> list[str] | None:
    if given is None:
        return None
    return [given] if isinstance(given, str) else [str(g) for g in given]


def select(
    ddf: Any,
    target: str,
    k: int | None = None,
    *,
    method: str = METHOD,
    given: Iterable[str] | None = None,
    min_z: float = 3.0,
    alpha: float = 1.0,
    beta: float = 1.0,
    pair_steps: bool = True,
    min_count: int = MIN_COUNT,
    bins: int = BINS,
    max_features: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    output: Output | None = None,
    split_every: int = SPLIT_EVERY,
) -> Any:
    """:func:`cardrank.select` of a Dask DataFrame in target units (``jmi``,
    ``cmim``, ``mrmr``, ``3mr``): the candidates' codes are kept per
    partition and merged, so the selection equals one process's."""
    from ._conditional import _grouping, check_method, selection_table
    from ._pairs import _positive

    check_method(method)
    if method == "outrank":
        raise InvalidParameterError(
            "cardrank.dask.select works in target units: method joint, jmi, cmim, mrmr or 3mr"
        )
    output = _output_for(ddf, output)
    _positive(k, "k", none_ok=True)
    plan = _plan(
        ddf, target, max_features=max_features, max_pairs=None, triple_pairs=None,
        threads=threads, missing=missing, features=features, exclude=exclude,
        split_every=split_every, score=score, given=_given_names(given) or [],
        grouping=_grouping(min_count, bins),
    )
    return selection_table(plan.finish_probe(), method, k=k, min_z=min_z, alpha=alpha,
                           beta=beta, pair_steps=pair_steps, output=output)


def redundancy(
    ddf: Any,
    target: str,
    *,
    max_features: int = 50,
    max_pairs: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    output: Output | None = None,
    split_every: int = SPLIT_EVERY,
) -> Any:
    """:func:`cardrank.redundancy` of a Dask DataFrame: the same rows, the
    same table, counted per partition and merged exactly (two passes: rank,
    then every pair among the best ``max_features``)."""
    from ._pairs import _REDUNDANCY, _redundancy_rows, _table

    output = _output_for(ddf, output)
    found, meta = _pairs(
        ddf, target, max_features=max_features, max_pairs=max_pairs, triple_pairs=None,
        threads=threads, missing=missing, features=features, exclude=exclude,
        split_every=split_every,
    )
    # The same order as in one process: most redundant first, ties by name.
    return _table(_redundancy_rows(found), _REDUNDANCY, output, meta)


def interactions(
    ddf: Any,
    target: str,
    *,
    order: int = 2,
    max_features: int = 50,
    max_pairs: int | None = None,
    triple_pairs: int = 10,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    output: Output | None = None,
    split_every: int = SPLIT_EVERY,
) -> Any:
    """:func:`cardrank.interactions` of a Dask DataFrame (pairs, and triples
    with ``order=3``), counted per partition and merged exactly."""
    from ._pairs import _INTERACTIONS, _interaction_rows, _table

    output = _output_for(ddf, output)
    if isinstance(order, bool) or order not in (2, 3):
        raise InvalidParameterError(f"invalid parameter `order` = {order!r}: expected 2 or 3")
    found, meta = _pairs(
        ddf, target, max_features=max_features, max_pairs=max_pairs,
        triple_pairs=triple_pairs if order == 3 else None,
        threads=threads, missing=missing, features=features, exclude=exclude,
        split_every=split_every,
    )
    return _table(_interaction_rows(found), _INTERACTIONS, output, meta)
