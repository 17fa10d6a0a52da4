"""The data-quality report: ``cardrank.report``, as ``cardrank report`` in
the shell (the same Rust code builds and writes it)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from . import _core
from ._api import (
    Score,
    _check_target,
    _names,
    _no_read_options,
    _read_options,
    _resolve_threads,
)
from ._input import _arrow_input, _source_name
from .exceptions import InvalidParameterError

__all__ = ["report"]


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: expected a non-negative integer"
        )
    return value


def report(
    data: Any,
    target: str,
    out: str | os.PathLike[str],
    *,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    top_values: int = 10,
    unusual_rows: int = 20,
    heatmap: int = 15,
    thresholds: Mapping[str, float] | None = None,
    threads: int | None = None,
    drop_missing_target: bool = False,
    **read_options: Any,
) -> dict[str, Any]:
    """Checks every column before ranking: writes a data-quality report into
    the folder ``out`` and returns its figures.

    One pass computes, per column: missing share, exact cardinality (a
    HyperLogLog++ estimate with its error bound past the memory budget),
    entropy, top values and their share, values seen once, bytes per value,
    and for numeric columns min, max, mean and quantiles; and flags, each
    with its threshold and observed value: constant, near-constant, mostly
    missing, ID-like, duplicate of another column, suspected label leak,
    drift between the first and last part of the data, rare values. A second
    pass lists the most unusual rows (largest sum of -log frequency of their
    values) and counts the redundancy heatmap of the best features.

    Files written: ``quality.json``, ``quality.tsv``, ``ranking.json``,
    ``ranking.tsv``, ``report.html`` (one self-contained page that works
    offline) and ``plots/`` (the ranking bar chart, the heatmap and one
    histogram per column, as SVG).

    Args:
        data: As for :func:`cardrank.rank`: a DataFrame, Arrow data, or a
            file path or glob (CSV/TSV, Parquet, Arrow IPC, Vowpal Wabbit).
        target: The target column.
        out: The folder to write into (created if needed; files of the same
            names in it are replaced).
        missing: Values counted as missing besides nulls. Default: the
            empty field and ``"?"``.
        features, exclude: Report only these columns, or all but these.
        score: What the ranking is sorted by (as for :func:`cardrank.rank`).
        top_values: Most frequent values listed per column.
        unusual_rows: Most unusual rows listed (0: none).
        heatmap: Redundancy heatmap of the best K features with at most
            1,000 distinct values (0: none).
        thresholds: Flag thresholds to change, by name: ``near_constant``,
            ``mostly_missing``, ``id_like_rows_per_value``, ``label_leak``,
            ``drift_psi``, ``drift_z``, ``rare_count``, ``rare_share``.
        threads: Worker threads (``None``: ``CARDRANK_THREADS``, else all
            cores).
        drop_missing_target: Leave out the rows whose target is missing
            and report how many (``input.dropped_missing_target``); by
            default they are an error, as for :func:`cardrank.rank`.
        **read_options: For a file path, how to read it: the read options
            of :func:`cardrank.rank` (``delimiter``, ``format``, ...), and
            ``max_distinct``.

    Returns:
        The content of ``quality.json``: ``rows``, ``target``, ``columns``
        (one dict per column with its figures and a ``flags`` list),
        ``unusual_rows``, ``notes``, ``redundancy`` (the heatmap matrix) and
        ``input``.

    Raises:
        MissingTargetError: if ``target`` is not a column.
        MissingTargetValueError: if rows have a missing target (see
            ``drop_missing_target``).
        InvalidParameterError: for a bad option or threshold name.
        WriteError: if ``out`` cannot be written (e.g. it is a file); also
            an :class:`OSError`.

    Example:
        >>> import cardrank, pandas as pd, tempfile
        >>> df = pd.DataFrame({"site": list("aabbcc") * 50, "const": ["x"] * 300,
        ...                    "click": [1, 1, 0, 0, 0, 1] * 50})
        >>> q = cardrank.report(df, "click", tempfile.mkdtemp())
        >>> [f["flag"] for c in q["columns"] if c["name"] == "const" for f in c["flags"]]
        ['constant']
    """
    target = _check_target(target)
    if thresholds is not None and not isinstance(thresholds, Mapping):
        raise TypeError("`thresholds` must be a mapping of flag name to number")
    kwargs: dict[str, Any] = {
        "threads": _resolve_threads(threads),
        "missing": _names(missing, "missing"),
        "features": _names(features, "features"),
        "exclude": _names(exclude, "exclude"),
        "score": score,
        "top_values": _count(top_values, "top_values"),
        "unusual_rows": _count(unusual_rows, "unusual_rows"),
        "heatmap": _count(heatmap, "heatmap"),
        "thresholds": {str(k): float(v) for k, v in (thresholds or {}).items()},
        "drop_missing_target": bool(drop_missing_target),
    }
    max_distinct = read_options.pop("max_distinct", None)
    if max_distinct is not None:
        kwargs["max_distinct"] = max_distinct
    read = _read_options(read_options)
    folder = os.fspath(out)
    if isinstance(data, (str, os.PathLike)):
        text = _core.report_path(os.fspath(data), target, folder, **kwargs, **read)
    else:
        _no_read_options(read)
        pa = sys.modules.get("pyarrow")
        if pa is not None and isinstance(data, pa.RecordBatchReader):
            data = data.read_all()  # the second pass reads it again
        source = _source_name(data)
        text = _core.report(_arrow_input(data), target, folder, source=source, **kwargs)
    result: dict[str, Any] = json.loads(text)
    return result
