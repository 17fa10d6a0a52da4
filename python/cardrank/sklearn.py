"""A scikit-learn feature selector that keeps the most informative features.

:class:`CardinalitySelector` ranks the columns of ``X`` with
:func:`cardrank.rank` against ``y`` and keeps the best ``k`` (or those whose
score reaches ``threshold``); with ``method="joint"`` (or jmi, cmim, mrmr,
3mr, outrank) it selects features greedily with :func:`cardrank.select`, and with
``given`` it keeps what adds most to the features a model already has. It
works on pandas and polars DataFrames, pyarrow
Tables and 2-D arrays of categories (strings, objects, integers, booleans or
floats), inside a :class:`~sklearn.pipeline.Pipeline` or a
:class:`~sklearn.compose.ColumnTransformer`.

Every value is a category: numbers by their value, so a continuous column
has (nearly) one category per row and, rightly, scores about zero; missing
values (``None``, ``NaN``, nulls) form one category of their own. Bin
continuous columns first if their shape matters.

Requires scikit-learn >= 1.6, numpy and pyarrow.
"""

from __future__ import annotations

import json
import math
import numbers
import sys
import warnings
from typing import Any

from ._deps import require

require("sklearn", "cardrank.sklearn")
require("numpy", "cardrank.sklearn")
require("pyarrow", "cardrank.sklearn")

import numpy as np  # noqa: E402 (after the checks that name the extra)
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from sklearn.feature_selection import SelectorMixin  # noqa: E402
from sklearn.utils.validation import (  # noqa: E402
    check_array,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._api import BINS, METHOD, MIN_COUNT, rank  # noqa: E402
from ._input import _pandas_to_arrow  # noqa: E402
from ._conditional import METHODS, _grouping, _probe  # noqa: E402
from ._pairs import _run as _pair_run  # noqa: E402
from .exceptions import ConstantTargetError  # noqa: E402

__all__ = ["CardinalitySelector"]

_DEFAULT_K = 10
_TARGET_METHODS = tuple(m for m in METHODS if m != "outrank")


def _readable(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """An Arrow column the core reads as categories: strings, binaries,
    dictionaries, integers, floats and booleans as they are; anything else
    (dates, decimals, nested values, ...) by its text."""
    t = arr.type
    if (
        pa.types.is_integer(t)
        or pa.types.is_boolean(t)
        or pa.types.is_float32(t)
        or pa.types.is_float64(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_null(t)
        or pa.types.is_dictionary(t)
        or str(t) in ("string_view", "binary_view")
    ):
        return arr
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _numpy_column(col: np.ndarray) -> pa.Array:
    """One column of a 2-D array as Arrow; NaN and None are missing."""
    if col.dtype.kind in "iub":
        return pa.array(col)
    if col.dtype.kind == "f":
        if col.dtype.itemsize < 4:
            col = col.astype(np.float32)
        return pa.array(col, from_pandas=True)  # NaN -> null
    if col.dtype.kind in "US":
        return pa.array(col)
    try:
        return _readable(pa.array(col, from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed Python objects: each value by its text.
        return pa.array([None if _is_missing(v) else str(v) for v in col], pa.string())


def _frame_columns(X: Any) -> list[pa.Array | pa.ChunkedArray] | None:
    """The columns of a pandas / polars DataFrame or pyarrow Table, in their
    own Arrow types (categoricals stay dictionaries); None for other inputs."""
    pd = sys.modules.get("pandas")
    pl = sys.modules.get("polars")
    if pd is not None and isinstance(X, pd.DataFrame):
        table = _pandas_to_arrow(X)
    elif pl is not None and isinstance(X, pl.DataFrame):
        table = X.to_arrow()
    elif isinstance(X, pa.Table):
        table = X
    else:
        return None
    return [_readable(c) for c in table.columns]


class CardinalitySelector(SelectorMixin, BaseEstimator):  # type: ignore[misc]
    """Keeps the features that tell most about the target, beyond chance.

    By default (``method="joint"``) the features are selected greedily by
    :func:`cardrank.select`: each step keeps the feature that adds most
    about ``y`` to those already kept, measured on levels a model can learn
    (rare values pooled, thin numeric columns binned), until nothing more
    adds significantly (``k_suggested_``; at least one feature is kept), or
    ``k`` features. ``method="rank"`` keeps the best features by their
    :func:`cardrank.rank` score instead: by default the mutual information
    with ``y`` minus the mutual information a feature with the same value
    counts would have by chance, so ID-like columns with many values are
    not favoured.

    Parameters
    ----------
    k : int or "all", default=None
        Keep the ``k`` best features (at most all of them). If neither ``k``
        nor ``threshold`` is given: a selection method stops at
        ``k_suggested_`` (at least one feature), ``"rank"`` keeps ``k=10``
        (or all features, if fewer).
    threshold : float, default=None
        With ``method="rank"``: keep every feature whose score is at least
        ``threshold`` (in the units of ``scoring``: nats for "adjusted" and
        "mi"). Give either ``k`` or ``threshold``, not both.
    scoring : {"adjusted", "mi", "ami", "z"}, default="adjusted"
        The score features are ranked by: the ``score`` of
        :func:`cardrank.rank`. (Not named ``score``: scikit-learn reserves
        that name for a method, which pipelines call.)
    threads : int, default=None
        Worker threads (``None``: ``CARDRANK_THREADS``, else all cores).
    method : {"joint", "jmi", "cmim", "mrmr", "3mr", "outrank", "rank"}, default="joint"
        ``"joint"`` has the best mean of the selection study in BENCHMARKS.md
        (LightGBM on the kept features: -0.021 AUC against all features on
        average over 27 cells and 10 seeds, against -0.030 for ``"jmi"``,
        -0.040 for ``"rank"`` and -0.040 for LightGBM's own gain importance).
        ``"rank"`` keeps the best features by ``scoring``
        (the cheapest: one pass, no pairs). The others
        select greedily with :func:`cardrank.select`: each step takes the
        candidate that adds most about the target to those already kept, so
        a copy of a kept feature is not kept again and a pair that only
        tells together (XOR) can be. ``"joint"``, ``"jmi"``, ``"cmim"``,
        ``"mrmr"`` and ``"3mr"`` work in target units and, without ``k``, stop at the last
        step that adds significantly (``k_suggested``); ``"outrank"`` is the
        OutRank paper's 3MR (needs ``k``). None takes ``threshold``.
    alpha : float, default=1.0
        With ``"mrmr"``, ``"3mr"``, ``"outrank"``: weight of redundancy.
    beta : float, default=1.0
        With ``"3mr"``, ``"outrank"``: weight of synergy (``"outrank"``: 0 is
        mRMR).
    max_features : int, default=None
        With a selection method or ``given``: the candidates are the best M
        features by ``scoring`` (default 500; ``"outrank"``: ``max(k, 50)``,
        every pair among them counted).
    given : list of str, default=None
        Columns of ``X`` the model already has: they are always kept, and
        the others are chosen by what they add beyond them (with
        ``method="rank"``: the best ``k`` by adjusted conditional MI given
        the given features' joint value; with a target-units method: every
        step conditions on them).
    min_count : int, default=20
        With a target-units method or ``given``: a value seen in fewer rows
        is rare; rare values pool into one level, and a numeric column mostly
        of rare values is cut into ``bins`` equal-frequency bins (levels as
        a model can learn them; see :func:`cardrank.select`). 0 keeps every
        value its own level.
    bins : int, default=32
        Bins of such a numeric column (0: pool its rare values instead).

    Attributes
    ----------
    scores_ : ndarray of shape (n_features_in_,)
        The score of each feature, in input column order.
    ranking_ : pyarrow.Table, or a pandas or polars DataFrame
        The full ranking (one row per feature, best first, with every
        measure; see ``cardrank.COLUMNS``), in the container that
        ``set_output(transform=...)`` configures (Arrow by default).
    k_ : int or None
        The number of features kept by ``k`` (None with ``threshold``).
    selection_ : pyarrow.Table, pandas or polars DataFrame, or None
        With a selection method: the selection steps in order (see
        :func:`cardrank.select`); None otherwise.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` has string column
        names.

    Examples
    --------
    >>> import pandas as pd
    >>> from cardrank.sklearn import CardinalitySelector
    >>> X = pd.DataFrame({"site": list("aabbcc") * 5, "id": [str(i) for i in range(30)]})
    >>> y = [1, 1, 0, 0, 0, 0] * 5
    >>> CardinalitySelector(k=1).fit(X, y).get_feature_names_out()
    array(['site'], dtype=object)
    """

    def __init__(
        self,
        k: int | str | None = None,
        threshold: float | None = None,
        scoring: str = "adjusted",
        threads: int | None = None,
        method: str = METHOD,
        alpha: float = 1.0,
        beta: float = 1.0,
        max_features: int | None = None,
        given: list[str] | None = None,
        min_count: int = MIN_COUNT,
        bins: int = BINS,
    ) -> None:
        self.k = k
        self.threshold = threshold
        self.scoring = scoring
        self.threads = threads
        self.method = method
        self.alpha = alpha
        self.beta = beta
        self.max_features = max_features
        self.given = given
        self.min_count = min_count
        self.bins = bins

    def _check_params(self, n_features: int) -> int | None:
        """The number of features to keep (None: by threshold)."""
        k, threshold = self.k, self.threshold
        methods = ("rank", *METHODS)
        if self.method not in methods:
            raise ValueError(f"method must be one of {', '.join(methods)}; got {self.method!r}")
        if self.method != "rank" or self.given is not None:
            if threshold is not None:
                raise ValueError(
                    f"method={self.method!r} (or given) selects features: give k, not threshold "
                    "(a threshold keeps features by score: method='rank')"
                )
            for name in ("alpha", "beta"):
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                    raise ValueError(f"{name} must be a finite number, got {value!r}")
            m = self.max_features
            if m is not None and (isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 2):
                raise ValueError(f"max_features must be an integer >= 2, got {m!r}")
        if self.given is not None and self.method == "outrank":
            raise ValueError("method='outrank' does not take given: use rank, joint, jmi, cmim, mrmr or 3mr")
        if self.method in _TARGET_METHODS and k is None:
            return None
        if k is not None and threshold is not None:
            raise ValueError(
                f"give either k or threshold, not both (got k={k!r}, threshold={threshold!r})"
            )
        if threshold is not None:
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, numbers.Real)
                or np.isnan(threshold)
            ):
                raise ValueError(f"threshold must be a number, got {threshold!r}")
            return None
        if k is None:
            return min(_DEFAULT_K, n_features)
        if isinstance(k, str) and k == "all":
            return n_features
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer or 'all', got {k!r}")
        if int(k) > n_features:
            # As scikit-learn's SelectKBest does.
            warnings.warn(
                f"k={k} is greater than n_features={n_features}. All the features will be "
                "returned.",
                UserWarning,
                stacklevel=3,
            )
        return min(int(k), n_features)

    def fit(self, X: Any, y: Any) -> CardinalitySelector:
        """Ranks the features of ``X`` against ``y``.

        Parameters
        ----------
        X : DataFrame (pandas or polars), pyarrow Table or array-like of \
                shape (n_samples, n_features)
            Categorical features.
        y : array-like of shape (n_samples,)
            The target (class labels, or any values: each is a category).

        Returns
        -------
        self : CardinalitySelector
        """
        columns = _frame_columns(X)
        if columns is not None:
            validate_data(self, X, y, skip_check_array=True)
            n_rows = len(columns[0]) if columns else 0
            if len(columns) == 0 or n_rows == 0:
                raise ValueError(
                    f"Found array with {n_rows} sample(s) and {len(columns)} feature(s) "
                    f"while a minimum of 1 of each is required by {type(self).__name__}."
                )
        else:
            y_params = {"ensure_2d": False, "dtype": None, "ensure_all_finite": False}
            X_params = {"dtype": None, "ensure_all_finite": False}
            X, y = validate_data(self, X, y, validate_separately=(X_params, y_params))
            columns = [_numpy_column(X[:, j]) for j in range(X.shape[1])]
            n_rows = X.shape[0]
        y = column_or_1d(
            check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=False), warn=True
        )
        if len(y) != n_rows:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: [{n_rows}, {len(y)}]"
            )
        n_features = len(columns)
        self.k_ = self._check_params(n_features)

        given = getattr(self, "feature_names_in_", None)
        display = (
            [str(n) for n in given] if given is not None else [f"x{i}" for i in range(n_features)]
        )
        names = display if len(set(display)) == n_features else [f"x{i}" for i in range(n_features)]
        target = "__target__"
        while target in names:
            target = "_" + target + "_"
        table = pa.table(dict(zip(names, columns, strict=True)) | {target: _numpy_column(y)})
        try:
            if self.given is not None:
                ranking, chosen = self._conditional(table, target, names, display)
            elif self.method == "outrank":
                ranking, chosen = self._select(table, target, n_features)
            elif self.method != "rank":
                ranking, chosen = self._conditional(table, target, names, display)
            else:
                ranking = rank(table, target, threads=self.threads, score=self.scoring)  # type: ignore[arg-type]
                chosen = None
        except ConstantTargetError as e:
            raise ConstantTargetError(
                f"y has one class (a single value) in all {len(y)} samples: "
                f"{type(self).__name__} needs at least two"
            ) from e

        position = {name: i for i, name in enumerate(names)}
        order = [position[f] for f in ranking.column("feature").to_pylist()]
        self.scores_ = np.empty(n_features, dtype=np.float64)
        self.scores_[order] = ranking.column("score").to_numpy()
        self._ranks = np.empty(n_features, dtype=np.int64)
        self._ranks[order] = ranking.column("rank").to_numpy()
        self._selection: pa.Table | None = None
        self._selected: np.ndarray | None = None
        if chosen is not None:
            # Support by selection; the selection order is the rank order.
            self._selected = np.zeros(n_features, dtype=bool)
            steps = chosen["selected"]
            for step in steps:
                self._selected[position[step["feature"]]] = True
            for name in chosen.get("given", []):
                self._selected[position[name]] = True
            self._selection = pa.Table.from_pylist(
                [s | {"feature": display[position[s["feature"]]]} for s in steps]
            ) if steps else None
        if names is not display:
            shown = pa.array([display[i] for i in order], pa.string())
            ranking = ranking.set_column(
                ranking.schema.get_field_index("feature"), "feature", shown
            )
        self._ranking = ranking
        return self

    @property
    def ranking_(self) -> Any:
        """The full ranking, as a pyarrow Table, or as the container that
        ``set_output(transform=...)`` (or scikit-learn's ``transform_output``
        setting) asks for: a pandas or polars DataFrame."""
        check_is_fitted(self)
        return self._as_output(self._ranking)

    @property
    def selection_(self) -> Any:
        """With ``method="3mr"``: the selection steps (see ``ranking_`` for
        the container); None otherwise."""
        check_is_fitted(self)
        return None if self._selection is None else self._as_output(self._selection)

    def _as_output(self, table: pa.Table) -> Any:
        """`table` in the container the transform output is configured as."""
        kind = getattr(self, "_sklearn_output_config", {}).get("transform")
        if kind is None:
            from sklearn import get_config

            kind = get_config().get("transform_output", "default")
        if kind == "pandas":
            return table.to_pandas()
        if kind == "polars":
            import polars as pl

            return pl.from_arrow(table)
        return table

    def _select(self, table: pa.Table, target: str, n_features: int) -> tuple[pa.Table, Any]:
        """The ranking and the 3MR selection of ``k_`` features."""
        k = self.k_ if self.k_ is not None else min(_DEFAULT_K, n_features)
        result = _pair_run(
            table, target, threads=self.threads, missing=None, features=None, exclude=None,
            score=self.scoring,  # type: ignore[arg-type]
            max_features=max(50 if self.max_features is None else int(self.max_features), k),
            max_pairs=None, triple_pairs=None,
        )
        chosen = json.loads(
            result.select(k, alpha=float(self.alpha), beta=float(self.beta), aggregate="mean")
        )
        return pa.table(result.ranking), chosen

    def _conditional(
        self, table: pa.Table, target: str, names: list[str], display: list[str]
    ) -> tuple[pa.Table, Any]:
        """The ranking and the features kept by a selection in target units
        or, with ``given`` and ``method="rank"``, the best ``k_`` by what
        they add: ``{"selected": [step dicts], "given": [names]}``."""
        internal = dict(zip(display, names, strict=True))
        given = None
        if self.given is not None:
            wanted = [self.given] if isinstance(self.given, str) else list(self.given)
            unknown = [g for g in wanted if g not in internal]
            if unknown:
                raise ValueError(f"given names columns that X does not have: {unknown}")
            given = [internal[g] for g in wanted]
        result = _probe(
            table, target, given=given, grouping=_grouping(self.min_count, self.bins),
            threads=self.threads, missing=None, features=None,
            exclude=None, score=self.scoring,  # type: ignore[arg-type]
            max_features=None if self.max_features is None
            else max(int(self.max_features), self.k_ or 0),
        )
        if self.method == "rank":
            found = json.loads(result.rank_given())
            k = self.k_ if self.k_ is not None else _DEFAULT_K
            steps = [
                {"step": i + 1, "feature": f["feature"], "relevance": f["relevance"],
                 "score": f["score"], "z": f["z"], "worst": f["worst"]}
                for i, f in enumerate(found["features"][:k])
            ]
        else:
            found = json.loads(
                result.select(self.method, k=self.k_, alpha=float(self.alpha),
                              beta=float(self.beta))
            )
            steps = found["selected"]
            self.k_suggested_ = found["k_suggested"]
            # k means k, and a pipeline gets at least one feature: a
            # selection that stops short (values too rare to learn from,
            # nothing significant) is filled up in rank order.
            want = self.k_ if self.k_ is not None else 1
            kept = {st["feature"] for st in steps} | set(given or [])
            rest = [f for f in pa.table(result.ranking).column("feature").to_pylist()
                    if f not in kept]
            steps = steps + [
                {"step": len(steps) + i + 1, "feature": f, "relevance": None, "score": None,
                 "z": None, "significant": False, "worst": None, "partner": None,
                 "joint_levels": None}
                for i, f in enumerate(rest[: max(0, want - len(steps))])
            ]
        return pa.table(result.ranking), {"selected": steps, "given": given or []}

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        if self._selected is not None:
            return np.asarray(self._selected)
        if self.k_ is None:
            threshold = float(self.threshold) if self.threshold is not None else -np.inf
            return np.asarray(self.scores_ >= threshold)
        return np.asarray(self._ranks <= self.k_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing value is a category
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
