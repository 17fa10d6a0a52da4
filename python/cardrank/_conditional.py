"""Selection in target units and what a candidate adds to given features.

Both run on the run layer's conditional plan (in Rust): one pass ranks every
feature; the best ``max_features`` candidates (default 500) and the given
features are then kept as codes (in the same pass when all fit), and the
pairs a method needs are measured on demand: candidate against chosen or
given feature, never all M (M - 1) / 2 of them.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from typing import Any

from . import _core
from ._api import (
    BINS,
    METHOD,
    MIN_COUNT,
    Output,
    Score,
    _names,
    _output_for,
)
from ._pairs import _call, _positive, _run_options, _table, select_outrank
from .exceptions import InvalidParameterError

__all__ = ["rank_given", "select"]

METHODS = (METHOD, *(m for m in ("joint", "jmi", "cmim", "mrmr", "3mr", "outrank") if m != METHOD))
"""The methods of :func:`select`; the first is the default."""

_TARGET_SELECTION = (
    ("step", "int"),
    ("feature", "string"),
    ("relevance", "float"),
    ("score", "float"),
    ("z", "float"),
    ("significant", "bool"),
    ("worst", "string"),
    ("partner", "string"),
    ("joint_levels", "int"),
)
"""Columns of :func:`select` in target units."""

_GIVEN = (
    ("rank", "int"),
    ("feature", "string"),
    ("relevance", "float"),
    ("score", "float"),
    ("z", "float"),
    ("min_adjusted", "float"),
    ("worst", "string"),
    ("determined", "bool"),
    ("joint_adjusted", "float"),
)
"""Columns of ``cardrank.rank(..., given=...)``."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(f"invalid parameter `{name}` = {value!r}: expected a number")
    return float(value)


def _levels(joint_levels: Any) -> int:
    """`joint_levels`, checked: a positive integer."""
    levels = _positive(joint_levels, "joint_levels")
    assert levels is not None
    return levels



def _grouping(min_count: Any, bins: Any) -> dict[str, int]:
    """`min_count` and `bins`, checked: a count >= 0, and 0 or at least 2 bins."""
    for value, name in ((min_count, "min_count"), (bins, "bins")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidParameterError(
                f"invalid parameter `{name}` = {value!r}: expected an integer >= 0"
            )
    if bins == 1:
        raise InvalidParameterError("invalid parameter `bins` = 1: expected 0 (never bin) or >= 2")
    return {"min_count": min_count, "bins": bins}


def _probe(
    data: Any,
    target: str,
    *,
    given: Iterable[str] | None,
    grouping: dict[str, int],
    threads: int | None,
    missing: Iterable[str] | None,
    features: Iterable[str] | None,
    exclude: Iterable[str] | None,
    score: Score,
    max_features: int | None,
    drop_missing_target: bool = False,
    read_options: dict[str, Any] | None = None,
) -> _core.ProbeResult:
    result: _core.ProbeResult = _call(
        _core.probe_run_path, _core.probe_run, data, target, read_options,
        _run_options(threads, missing, features, exclude, score) | {
            "max_features": _positive(max_features, "max_features", none_ok=True),
            "given": _names(given, "given") or [],
            "drop_missing_target": bool(drop_missing_target),
        } | grouping,
    )
    return result


def _metadata(result: _core.ProbeResult) -> dict[str, str]:
    budget = json.loads(result.budget_json())
    grouping = json.loads(result.grouping_json())
    ranking = result.ranking
    return {
        "target": ranking.target,
        "rows": str(ranking.rows),
        "candidates_read": json.dumps(budget["pair_features"]),
        "passes": str(budget["passes"]),
        "budget": budget["note"],
        "grouping": json.dumps(grouping["grouping"]),
        "grouped": json.dumps(grouping["grouped"]),
    }


def given_table(result: _core.ProbeResult, joint_levels: int, output: Output) -> Any:
    """The candidates of `result` by what they add beyond its given features."""
    found = json.loads(result.rank_given(joint_levels=joint_levels))
    rows = [
        {name: f[name] for name, _ in _GIVEN if name != "joint_adjusted"}
        | {"joint_adjusted": f["joint"]["adjusted"] if f["joint"] else None}
        for f in found["features"]
    ]
    metadata = _metadata(result) | {
        "given": json.dumps(found["given"]),
        "joint_levels": str(found["joint_levels"]),
        "pairs_measured": str(found["pairs_measured"]),
    }
    return _table(rows, _GIVEN, output, metadata)


def rank_given(
    data: Any,
    target: str,
    given: Iterable[str],
    *,
    joint_levels: int = 10_000,
    min_count: int = 0,
    bins: int = BINS,
    max_features: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    drop_missing_target: bool = False,
    output: Output | None = None,
    read_options: dict[str, Any] | None = None,
) -> Any:
    """``cardrank.rank(data, target, given=[...])``: see its docs."""
    output = _output_for(data, output)
    if isinstance(given, str):
        given = [given]
    result = _probe(
        data, target, given=given, grouping=_grouping(min_count, bins), threads=threads,
        missing=missing, features=features, exclude=exclude, score=score,
        max_features=max_features, drop_missing_target=drop_missing_target,
        read_options=read_options,
    )
    return given_table(result, _levels(joint_levels), output)


def select(
    data: Any,
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
    aggregate: str = "mean",
    max_features: int | None = None,
    max_pairs: int | None = None,
    threads: int | None = None,
    missing: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    score: Score = "adjusted",
    output: Output | None = None,
    **read_options: Any,
) -> Any:
    """Selects features greedily, each step taking the candidate that adds
    most about the target to those already taken (and to ``given``).

    Every term is information about the target, in nats: the adjusted
    conditional relevance ``adjCMI(f; y | s)`` of a candidate ``f`` given a
    chosen (or given) feature ``s``, minus its expectation when ``y`` is
    permuted within the values of ``s``. ``method`` combines the terms:

    - ``"joint"`` (default): what ``f`` adds given the chosen features
      *together* (their observed combinations, while there are at most one
      per 20 rows; then the mean, as ``"jmi"``): a function of two chosen
      features (their XOR, say) adds nothing to them, though it tells each
      the other.
    - ``"jmi"``: their mean (joint mutual information).
    - ``"cmim"``: their minimum (what ``f`` adds beyond the chosen feature
      that explains it best).
    - ``"mrmr"``, ``"3mr"``: relevance minus ``alpha`` times the mean
      redundancy *about the target* (plus ``beta`` times the synergy, 3MR).
    - ``"outrank"``: the OutRank paper's 3MR, whose redundancy is the
      features' mutual information with each other (needs ``k``; takes
      ``aggregate``, counts every pair among the best ``max_features``,
      default 50; returns the columns of that method).

    Constant columns and copies (a relabelled copy of a chosen feature) are
    never taken. Without ``k`` the selection stops before the first step
    that adds nothing significant (its z below ``min_z``); the metadata's
    ``k_suggested`` is the number of leading significant steps either way.

    Args:
        data, target: As for :func:`cardrank.rank`.
        k: Features to select (None: stop at ``k_suggested``).
        method: ``"joint"``, ``"jmi"``, ``"cmim"``, ``"mrmr"``, ``"3mr"`` or
            ``"outrank"``.
        given: Features the model already has: every step conditions on
            them; they are never selected.
        min_z: A step adds significantly when its score is positive and its
            z-score at least this.
        alpha, beta: Weights of redundancy and synergy (mrmr, 3mr, outrank).
        pair_steps: Allow a step to take a pair (an XOR pair tells nothing
            alone, so no single step could start it).
        min_count: Levels as a model can learn them: a value seen in fewer
            rows is rare; a numeric column mostly of rare values (a duration,
            an amount) is cut into ``bins`` equal-frequency bins, any other
            column pools its rare values into one level. 0 keeps every value
            its own level. The metadata's ``grouped`` says what was done.
        bins: Bins of such a numeric column (0: pool its rare values).
        aggregate: ``"outrank"`` only: ``"mean"``, ``"max"`` or ``"median"``.
        max_features: Candidates are the best M features by ``score``
            (default 500; ``"outrank"``: 50).
        max_pairs: ``"outrank"`` only: at most this many pairs (lowers M).
        threads, missing, features, exclude, score: As for
            :func:`cardrank.rank` (``score`` orders the candidates).
        output: As for :func:`cardrank.rank`.
        **read_options: For a file path, the read options of
            :func:`cardrank.rank`.

    Returns:
        The selected features in the order taken, with the columns step,
        feature, relevance (MI - EMI alone), score (what the step added, in
        nats), z, significant, worst (CMIM: the chosen feature explaining the
        candidate best), partner (taken in the same pair step) and
        joint_levels (``"joint"``: the combinations of the chosen and given
        features the step was measured given, when given them together;
        null when pairwise, one chosen feature at a time). The metadata
        holds ``method``, ``k_suggested``, ``candidates``,
        ``pairs_measured`` and ``given``.

    Example:
        >>> import cardrank, pandas as pd
        >>> df = pd.DataFrame({"a": list("xxyy") * 25, "a2": list("ppqq") * 25,
        ...                    "b": list("uvuv") * 25, "y": [0, 1, 1, 0] * 25})
        >>> [s["feature"] for s in cardrank.select(df, "y", 2, output="dict")]
        ['a', 'b']
    """
    check_method(method)
    if method == "outrank":
        if given is not None:
            raise InvalidParameterError(
                "method='outrank' does not take `given`: use a method in target units "
                "(joint, jmi, cmim, mrmr, 3mr)"
            )
        if k is None:
            raise InvalidParameterError(
                "method='outrank' needs `k`: it has no significance rule to stop at"
            )
        return select_outrank(
            data, target, k, alpha=alpha, beta=beta, aggregate=aggregate,
            pair_steps=pair_steps, max_features=50 if max_features is None else max_features,
            max_pairs=max_pairs, threads=threads, missing=missing, features=features,
            exclude=exclude, score=score, output=output, **read_options,
        )
    if max_pairs is not None:
        raise InvalidParameterError(
            f"`max_pairs` is an option of method='outrank', not {method!r}: "
            "pairs are measured on demand (max_features sets the candidates)"
        )
    output = _output_for(data, output)
    _positive(k, "k", none_ok=True)
    if isinstance(given, str):
        given = [given]
    if k is not None and max_features is not None and k > max_features:
        max_features = k  # the candidates grow to k
    result = _probe(
        data, target, given=given, grouping=_grouping(min_count, bins), threads=threads,
        missing=missing, features=features, exclude=exclude, score=score,
        max_features=max_features, read_options=read_options,
    )
    n_features = len(result.ranking)
    if k is not None and k > n_features:
        warnings.warn(
            f"k={k} is greater than the number of features ({n_features}): "
            "at most all of them are selected",
            UserWarning,
            stacklevel=2,
        )
    return selection_table(result, method, k=k, min_z=min_z, alpha=alpha, beta=beta,
                           pair_steps=pair_steps, output=output)


def check_method(method: str) -> None:
    """Raises unless `method` is one of :data:`METHODS`."""
    if method not in METHODS:
        raise InvalidParameterError(
            f"invalid parameter `method` = {method!r}: expected one of " + ", ".join(METHODS)
        )


def selection_table(result: _core.ProbeResult, method: str, *, k: int | None, min_z: float,
                    alpha: float, beta: float, pair_steps: bool, output: Output) -> Any:
    """The selection in target units of `result`, as the table asked for."""
    chosen = json.loads(
        result.select(method, k=k, min_z=_number(min_z, "min_z"), alpha=_number(alpha, "alpha"),
                      beta=_number(beta, "beta"), pair_steps=bool(pair_steps))
    )
    rows = [{name: s[name] for name, _ in _TARGET_SELECTION} for s in chosen["selected"]]
    metadata = _metadata(result) | {
        "method": chosen["method"],
        "k_suggested": str(chosen["k_suggested"]),
        "candidates": str(chosen["candidates"]),
        "pairs_measured": str(chosen["pairs_measured"]),
        "given": json.dumps(chosen["given"]),
    }
    return _table(rows, _TARGET_SELECTION, output, metadata)
