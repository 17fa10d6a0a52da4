"""Two rankings side by side: :func:`compare`, the same computation as
``cardrank compare`` (rank-biased overlap, movers), done in Rust."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from . import _core

__all__ = ["compare"]


def _entries(ranking: Any) -> list[dict[str, Any]]:
    """`rank`, `feature` and `score` of each row of a ranking in memory."""
    columns = ["rank", "feature", "score"]
    if isinstance(ranking, list):
        return [{k: row.get(k) for k in columns} for row in ranking]
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(ranking, pd.DataFrame):
        records: list[dict[str, Any]] = ranking[columns].to_dict("records")
        return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in records]
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(ranking, pl.DataFrame):
        rows: list[dict[str, Any]] = ranking.select(columns).to_dicts()
        return rows
    if hasattr(ranking, "select") and hasattr(ranking, "to_pylist"):  # a pyarrow Table
        table_rows: list[dict[str, Any]] = ranking.select(columns).to_pylist()
        return table_rows
    raise TypeError(
        f"cannot compare a {type(ranking).__module__}.{type(ranking).__qualname__}: expected "
        "a ranking (a pyarrow Table, pandas or polars DataFrame, or list of dicts from "
        "cardrank.rank) or the path of a JSON ranking"
    )


def compare(a: Any, b: Any, *, p: float = 0.9, top: int = 10) -> dict[str, Any]:
    """Compares two rankings of the same features (say, two days of logs).

    Args:
        a, b: Each a ranking as :func:`cardrank.rank` returns it (a pyarrow
            Table, a pandas or polars DataFrame, or ``output="dict"``'s
            list), or the path of a JSON ranking (``cardrank rank --json``
            output or ``ranking.json``).
        p: Persistence of rank-biased overlap, in (0, 1): depth d weighs
            ``p**(d-1)`` (0.9 puts 86% of the weight on the first 10 ranks).
        top: How many of the features that moved most to list.

    Returns:
        What ``cardrank compare A B --json`` prints: ``a``, ``b`` (the paths,
        or ``"A"`` / ``"B"`` for rankings in memory), ``features_a``,
        ``features_b``, ``p``, ``rbo`` (extrapolated rank-biased overlap, 1
        for identical rankings, 0 for disjoint ones), ``moved`` (rank and
        score in each, largest change first), ``appeared`` and ``vanished``.

    Raises:
        InvalidParameterError: for ``p`` outside (0, 1), an unreadable file
            or a ranking that lists a feature twice.

    Example:
        >>> import cardrank
        >>> a = [{"rank": 1, "feature": "x", "score": 0.2}, {"rank": 2, "feature": "y", "score": 0.1}]
        >>> b = [{"rank": 1, "feature": "y", "score": 0.3}, {"rank": 2, "feature": "x", "score": 0.1}]
        >>> round(cardrank.compare(a, b, p=0.9)["rbo"], 6)
        0.9
    """
    def side(name: str, ranking: Any) -> tuple[str, str | None]:
        if isinstance(ranking, (str, os.PathLike)):
            return os.fspath(ranking), None
        return name, json.dumps(_entries(ranking))

    (name_a, list_a), (name_b, list_b) = side("A", a), side("B", b)
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise TypeError(f"`top` must be a non-negative integer, got {top!r}")
    result: dict[str, Any] = json.loads(
        _core.compare(name_a, list_a, name_b, list_b, p=float(p), top=top)
    )
    return result
