"""Feature pairs and triples: redundancy, combined relevance, 3MR selection.

The counting and every measure run in Rust (the run layer's pair plan): one
pass ranks every feature, a second counts every pair among the best
``max_features`` by relevance (the same pass when all features fit), and a
third, for triples, extends the best ``triple_pairs`` pairs by adjusted
synergy. In-memory data is read once into Arrow batches that every pass
walks; a file is reopened per pass, reading only the columns it needs.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Iterable
from typing import Any

from . import _core
from ._api import (
    Output,
    Score,
    _check_target,
    _names,
    _no_read_options,
    _output_for,
    _read_options,
    _resolve_threads,
)
from ._deps import require
from ._input import _arrow_input
from .exceptions import InvalidParameterError

__all__ = ["interactions", "redundancy"]

_REDUNDANCY = (
    ("feature_a", "string"),
    ("feature_b", "string"),
    ("mi", "float"),
    ("expected_mi", "float"),
    ("ami", "float"),
    ("score", "float"),
    ("normalized", "float"),
)
"""Columns of :func:`redundancy`, with their types."""

_INTERACTIONS = (
    ("order", "int"),
    ("feature_a", "string"),
    ("feature_b", "string"),
    ("feature_c", "string"),
    ("cardinality", "int"),
    ("joint_mi", "float"),
    ("joint_expected_mi", "float"),
    ("joint_adjusted", "float"),
    ("joint_null_sd", "float"),
    ("joint_z", "float"),
    ("log10_q", "float"),
    ("synergy", "float"),
    ("adjusted_synergy", "float"),
    ("gain_over_pairs", "float"),
)
"""Columns of :func:`interactions`."""

_SELECTION = (
    ("step", "int"),
    ("feature", "string"),
    ("relevance", "float"),
    ("redundancy", "float"),
    ("synergy", "float"),
    ("score", "float"),
    ("partner", "string"),
)
"""Columns of :func:`select`."""

_AGGREGATES = ("mean", "max", "median")


def _positive(value: Any, name: str, *, none_ok: bool = False) -> int | None:
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            f"invalid parameter `{name}` = {value!r}: expected a positive integer"
        )
    return value


def _run(
    data: Any,
    target: str,
    *,
    threads: int | None,
    missing: Iterable[str] | None,
    features: Iterable[str] | None,
    exclude: Iterable[str] | None,
    score: Score,
    max_features: int,
    max_pairs: int | None,
    triple_pairs: int | None,
    read_options: dict[str, Any] | None = None,
) -> _core.PairResult:
    result: _core.PairResult = _call(
        _core.pair_run_path, _core.pair_run, data, target, read_options,
        _run_options(threads, missing, features, exclude, score) | {
            "max_features": _positive(max_features, "max_features"),
            "max_pairs": _positive(max_pairs, "max_pairs", none_ok=True),
            "triple_pairs": _positive(triple_pairs, "triple_pairs", none_ok=True),
        },
    )
    return result


def _run_options(threads: int | None, missing: Iterable[str] | None,
                 features: Iterable[str] | None, exclude: Iterable[str] | None,
                 score: Score) -> dict[str, Any]:
    """The ranking options every multi-pass run passes to the extension."""
    return {
        "threads": _resolve_threads(threads),
        "missing": _names(missing, "missing"),
        "features": _names(features, "features"),
        "exclude": _names(exclude, "exclude"),
        "score": score,
    }


def _call(on_path: Any, on_arrow: Any, data: Any, target: str,
          read_options: dict[str, Any] | None, options: dict[str, Any]) -> Any:
    """A multi-pass run of the extension: `on_path` for a file (read in
    Rust with the read options), else `on_arrow` on the data as Arrow, read
    once into memory (a RecordBatchReader can be read only once; the passes
    walk it several times)."""
    target = _check_target(target)
    read = _read_options(read_options or {})
    if isinstance(data, (str, os.PathLike)):
        return on_path(os.fspath(data), target, **(read | options))
    _no_read_options(read)
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(data, pa.RecordBatchReader):
        data = data.read_all()
    return on_arrow(_arrow_input(data), target, **(read | options))


def _table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...], output: Output,
           metadata: dict[str, str]) -> Any:
    """`rows` (dicts with the keys of `columns`) as the table type asked for."""
    if output == "dict":
        return rows
    if output == "polars":
        pl = require("polars", "output='polars'")
        kinds = {"string": pl.String, "int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean}
        schema = {name: kinds[kind] for name, kind in columns}
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(
            schema=schema
        )
    pa = require("pyarrow", f"output={output!r}")
    kinds = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    schema = pa.schema(
        [(name, kinds[kind]) for name, kind in columns],
        metadata={f"cardrank.{k}": v for k, v in metadata.items()},
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    if output == "pandas":
        df = table.to_pandas()
        for name, kind in columns:
            # pandas would show an integer column with nulls as floats.
            if kind == "int" and table.column(name).null_count:
                df[name] = df[name].astype("Int64")
        df.attrs.update(metadata)
        return df
    return table


def _redundancy_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "feature_a": r["features"][0],
            "feature_b": r["features"][1],
            **{k: r[k] for k in ("mi", "expected_mi", "ami", "score", "normalized")},
        }
        for r in found["redundancy"]
    ]


def _interaction_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for t in [*found["pairs"], *found["triples"]]:
        f = t["features"]
        rows.append(
            {
                "order": len(f),
                "feature_a": f[0],
                "feature_b": f[1],
                "feature_c": f[2] if len(f) > 2 else None,
                **{name: t[name] for name, _ in _INTERACTIONS[4:]},
            }
        )
    return rows


def _metadata(result: _core.PairResult) -> dict[str, str]:
    budget = json.loads(result.budget_json())
    ranking = result.ranking
    return {
        "target": ranking.target,
        "rows": str(ranking.rows),
        "pair_features": json.dumps(budget["pair_features"]),
        "pairs_tested": str(budget["pairs_tested"]),
        "triples_tested": str(budget["triples_tested"]),
        "passes": str(budget["passes"]),
        "budget": budget["note"],
    }


def redundancy(
    data: Any,
    target: str,
    *,
    max_features: int = 50,
    max_pairs: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    output: Output | None = None,
    **read_options: Any,
) -> Any:
    """How much each pair of features tells about each other, beyond chance.

    For every pair among the best ``max_features`` features by relevance to
    ``target``: MI(A; B) (equal to scikit-learn's ``mutual_info_score(A,
    B)``), its exact expectation under permutation, the adjusted mutual
    information and ``score`` = MI - EMI, most redundant first. A relabelled
    copy of a feature is its most redundant partner.

    Args:
        data: As for :func:`cardrank.rank` (a DataFrame, Arrow data or a
            file path).
        target: The target column: it chooses which features are paired.
        max_features: Pairs are counted among the best M features.
        max_pairs: At most this many pairs: M is lowered until
            M (M - 1) / 2 fits.
        threads, missing, features, exclude: As for :func:`cardrank.rank`.
        output: ``"arrow"``, ``"pandas"``, ``"polars"`` or ``"dict"`` (default: the
            kind of ``data``, as for :func:`cardrank.rank`).
        **read_options: For a file path, how to read it: the read options
            of :func:`cardrank.rank` (``delimiter``, ``format``, ...).

    Returns:
        One row per pair with the columns feature_a, feature_b, mi,
        expected_mi, ami, score and normalized (MI / min(H(A), H(B))). The
        budget used is in the table's metadata (Arrow schema metadata
        ``cardrank.budget``, pandas ``df.attrs["budget"]``).

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"a": list("xxyyxxyy"), "a2": list("ppqqppqq"),
        ...                    "b": list("uvuvuvuv"), "y": [0, 1, 1, 0, 0, 1, 1, 0]})
        >>> top = cardrank.redundancy(df, "y", output="dict")[0]
        >>> sorted([top["feature_a"], top["feature_b"]])
        ['a', 'a2']
    """
    output = _output_for(data, output)
    result = _run(
        data, target, threads=threads, missing=missing, features=features, exclude=exclude,
        score="adjusted", max_features=max_features, max_pairs=max_pairs, triple_pairs=None,
        read_options=read_options,
    )
    found = json.loads(result.interactions_json())
    return _table(_redundancy_rows(found), _REDUNDANCY, output, _metadata(result))


def interactions(
    data: Any,
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
    **read_options: Any,
) -> Any:
    """Combined relevance of feature pairs (and triples) with the target.

    Each tuple is taken as one feature (its levels are the observed value
    tuples, exactly): ``joint_mi`` = MI(AB; Y), its exact expectation, and
    ``synergy`` = MI(AB; Y) - MI(A; Y) - MI(B; Y); ``adjusted_synergy`` uses
    MI - EMI throughout, a member below chance counting as 0. ``log10_q`` is the Benjamini-Hochberg q-value of
    the joint relevance across every tested pair and triple (binary
    targets), so noise does not win by being tried often.

    Args:
        data, target: As for :func:`cardrank.rank`.
        order: 2 for pairs, 3 for pairs and triples.
        max_features: Pairs are counted among the best M features.
        max_pairs: At most this many pairs (lowers M).
        triple_pairs: With ``order=3``, the best T pairs by adjusted
            synergy are each extended by every other of the M features.
        threads, missing, features, exclude: As for :func:`cardrank.rank`.
        output: ``"arrow"``, ``"pandas"``, ``"polars"`` or ``"dict"`` (default: the
            kind of ``data``, as for :func:`cardrank.rank`).
        **read_options: For a file path, how to read it: the read options
            of :func:`cardrank.rank` (``delimiter``, ``format``, ...).

    Returns:
        One row per tuple, pairs then triples, each largest adjusted synergy
        first, with the columns order, feature_a, feature_b, feature_c
        (null for pairs), cardinality, joint_mi, joint_expected_mi,
        joint_adjusted, joint_null_sd, joint_z, log10_q, synergy,
        adjusted_synergy and gain_over_pairs (triples: joint_adjusted minus
        the best of its three pairs).

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"a": list("00110011"), "b": list("01010101"),
        ...                    "c": list("00001111"), "y": list("01100110")})
        >>> top = cardrank.interactions(df, "y", output="dict")[0]
        >>> top["feature_a"], top["feature_b"]
        ('a', 'b')
    """
    output = _output_for(data, output)
    if isinstance(order, bool) or order not in (2, 3):
        raise InvalidParameterError(f"invalid parameter `order` = {order!r}: expected 2 or 3")
    result = _run(
        data, target, threads=threads, missing=missing, features=features, exclude=exclude,
        score="adjusted", max_features=max_features, max_pairs=max_pairs,
        triple_pairs=_positive(triple_pairs, "triple_pairs") if order == 3 else None,
        read_options=read_options,
    )
    found = json.loads(result.interactions_json())
    return _table(_interaction_rows(found), _INTERACTIONS, output, _metadata(result))


def select_outrank(
    data: Any,
    target: str,
    k: int,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    aggregate: str = "mean",
    pair_steps: bool = True,
    max_features: int = 50,
    max_pairs: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    output: Output | None = None,
    **read_options: Any,
) -> Any:
    """``cardrank.select(..., method="outrank")``: selects ``k`` features by
    the OutRank paper's greedy 3MR (mRMR when ``beta=0``), whose redundancy
    is the features' mutual information with each other.

    Each step takes the candidate with the largest relevance (MI - EMI with
    the target) minus ``alpha`` times its redundancy with the features
    already taken plus ``beta`` times its synergy with them, both combined
    by ``aggregate``. With ``pair_steps``, a step may take two features at
    once when the pair scores better together (an XOR pair, whose halves
    alone tell nothing, could otherwise never start).

    Args:
        data, target: As for :func:`cardrank.rank`.
        k: Features to select (at most the candidates).
        alpha: Weight of redundancy.
        beta: Weight of synergy (0: mRMR).
        aggregate: ``"mean"``, ``"max"`` or ``"median"``.
        pair_steps: Allow a step to take a pair.
        max_features: Candidates are the best M features by relevance (all
            their pairs are counted).
        max_pairs: At most this many pairs (lowers M).
        threads, missing, features, exclude, score: As for
            :func:`cardrank.rank` (``score`` orders the candidates).
        output: ``"arrow"``, ``"pandas"``, ``"polars"`` or ``"dict"`` (default: the
            kind of ``data``, as for :func:`cardrank.rank`).
        **read_options: For a file path, how to read it: the read options
            of :func:`cardrank.rank` (``delimiter``, ``format``, ...).

    Returns:
        The selected features in the order taken, with the columns step,
        feature, relevance, redundancy, synergy, score (the step's
        objective) and partner (the feature taken in the same step, if any).

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"a": list("xxyyxxyy"), "a2": list("ppqqppqq"),
        ...                    "b": list("uvvuuvvv"), "y": [0, 0, 1, 1, 0, 0, 1, 0]})
        >>> [s["feature"] for s in cardrank.select(df, "y", 2, method="outrank", output="dict")]
        ['a', 'b']
    """
    output = _output_for(data, output)
    _positive(k, "k")
    if aggregate not in _AGGREGATES:
        raise InvalidParameterError(
            f"invalid parameter `aggregate` = {aggregate!r}: expected one of "
            + ", ".join(_AGGREGATES)
        )
    result = _run(
        data, target, threads=threads, missing=missing, features=features, exclude=exclude,
        score=score, max_features=max_features, max_pairs=max_pairs, triple_pairs=None,
        read_options=read_options,
    )
    n_features = len(result.ranking)
    if k > n_features:
        warnings.warn(
            f"k={k} is greater than the number of features ({n_features}): "
            "at most all of them are selected",
            UserWarning,
            stacklevel=3,
        )
    chosen = json.loads(
        result.select(k, alpha=float(alpha), beta=float(beta), aggregate=aggregate,
                      pair_steps=bool(pair_steps))
    )
    rows = [{name: s[name] for name, _ in _SELECTION} for s in chosen["selected"]]
    metadata = _metadata(result) | {
        "method": chosen["method"],
        "alpha": str(chosen["alpha"]),
        "beta": str(chosen["beta"]),
        "aggregate": chosen["aggregate"],
    }
    return _table(rows, _SELECTION, output, metadata)
