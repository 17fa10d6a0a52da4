"""`cardrank.sklearn.CardinalitySelector`: scikit-learn's estimator checks,
pipelines, column transformers, and the inputs it accepts."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.estimator_checks import parametrize_with_checks

import cardrank
from cardrank.sklearn import CardinalitySelector
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)

# Every check scikit-learn yields for this estimator passes; none is expected
# to fail. (check_estimators_nan_inf is not run: the selector declares
# allow_nan, since a missing value is a category of its own.)
EXPECTED_FAILED: dict[str, str] = {}


@parametrize_with_checks(
    [
        CardinalitySelector(),
        CardinalitySelector(k=2, scoring="ami"),
        CardinalitySelector(method="rank"),
        CardinalitySelector(threshold=0.0, method="rank"),
        CardinalitySelector(k="all", scoring="z", threads=1),
        CardinalitySelector(k=2, method="3mr", alpha=0.5),
        CardinalitySelector(k=2, method="jmi", given=None),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED,
)
def test_sklearn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


def xy(frame: Any) -> tuple[Any, Any]:
    if isinstance(frame, pa.Table):
        return frame.drop_columns([TARGET]), frame.column(TARGET).to_numpy()
    return frame.drop(columns=[TARGET]) if isinstance(frame, pd.DataFrame) else frame.drop(
        TARGET
    ), frame[TARGET]


def test_fit_matches_rank(frame: Any) -> None:
    X, y = xy(frame)
    sel = CardinalitySelector(k=3).fit(X, y)
    expected = cardrank.rank(frame, TARGET, output="dict")
    assert sel.ranking_.to_pylist() == expected
    top = [r["feature"] for r in expected[:3]]
    names = list(sel.get_feature_names_out())
    assert sorted(names) == sorted(top)
    assert sel.get_support().sum() == 3
    by_name = {r["feature"]: r["score"] for r in expected}
    assert sel.scores_.tolist() == [by_name[c] for c in sel.feature_names_in_]
    assert sel.transform(X).shape == (len(y), 3)


def test_numpy_arrays_of_categories(columns: dict[str, list[Any]]) -> None:
    names = ["informative", "ids", "cat", "str_nulls"]
    X = np.array([columns[n] for n in names], dtype=object).T
    y = np.array(columns[TARGET])
    sel = CardinalitySelector(k=2).fit(X, y)
    assert sel.n_features_in_ == 4 and not hasattr(sel, "feature_names_in_")
    expected = cardrank.rank(
        pa.table({n: columns[n] for n in names} | {"y": y}), "y", output="dict"
    )
    for got, want in zip(sel.ranking_.to_pylist(), expected, strict=True):
        i = names.index(want["feature"])
        assert got == want | {"feature": f"x{i}"}
    assert list(sel.get_feature_names_out()) == sorted(
        (f"x{names.index(r['feature'])}" for r in expected[:2]), key=lambda s: int(s[1:])
    )
    # strings, integers and numbers as text give the same ranking
    as_str = np.array([[str(v) for v in row] for row in X.tolist()])
    assert (
        CardinalitySelector(k=2).fit(as_str, y.astype(str)).get_support().tolist()
        == sel.get_support().tolist()
    )


def test_threshold_and_default_k(arrow_table: pa.Table) -> None:
    X, y = xy(arrow_table)
    sel = CardinalitySelector(threshold=0.0, method="rank").fit(X, y)
    assert sel.get_support().tolist() == (sel.scores_ >= 0.0).tolist()
    # k=10 capped at 8 features
    assert CardinalitySelector(method="rank").fit(X, y).get_support().all()
    # The default (Joint) stops at k_suggested, keeping at least one feature.
    default = CardinalitySelector().fit(X, y)
    assert default.method == "joint"
    assert default.get_support().sum() == max(1, default.k_suggested_)
    with pytest.raises(ValueError, match="method='rank'"):
        CardinalitySelector(threshold=0.1).fit(X, y)
    with pytest.raises(ValueError, match="either k or threshold"):
        CardinalitySelector(k=2, threshold=0.1, method="rank").fit(X, y)
    for bad in (0, -1, 2.5, "some"):
        with pytest.raises(ValueError, match="k must be"):
            CardinalitySelector(k=bad).fit(X, y)  # type: ignore[arg-type]


def test_constant_y_says_one_class() -> None:
    X = np.array([["a"], ["b"], ["c"]], dtype=object)
    with pytest.raises(ValueError, match="one class"):
        CardinalitySelector().fit(X, [1, 1, 1])


def test_target_name_does_not_clash() -> None:
    X = pd.DataFrame({"__target__": ["a", "a", "b", "b"], "other": ["x", "y", "x", "y"]})
    for method in ("rank", "jmi"):
        sel = CardinalitySelector(k=1, method=method, min_count=0).fit(X, [1, 1, 0, 0])
        assert list(sel.get_feature_names_out()) == ["__target__"], method


def test_k_is_kept_when_the_selection_stops_short() -> None:
    # Four rows: every value is rare (min_count 20), so the selection finds
    # no usable level; the selector still keeps k features, in rank order.
    X = pd.DataFrame({"a": ["a", "a", "b", "b"], "b": ["x", "y", "x", "y"]})
    assert CardinalitySelector(k=1).fit(X, [1, 1, 0, 0]).get_feature_names_out().tolist() == ["a"]
    sel = CardinalitySelector().fit(X, [1, 1, 0, 0])
    assert sel.k_suggested_ == 0 and sel.get_support().sum() == 1


def test_pipeline(pandas_df: pd.DataFrame) -> None:
    X, y = xy(pandas_df)
    X = X[["informative", "ids", "cat", "str_nulls", "flags"]]  # what OneHotEncoder takes
    pipe = make_pipeline(
        CardinalitySelector(k=3),
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(max_iter=1_000),
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.6
    selected = pipe[0].get_feature_names_out()
    assert len(selected) == 3 and "ids" not in selected
    assert (
        pickle.loads(pickle.dumps(pipe)).predict(X.head(5)).tolist()
        == pipe.predict(X.head(5)).tolist()
    )


def test_column_transformer(pandas_df: pd.DataFrame) -> None:
    X, y = xy(pandas_df)
    ct = ColumnTransformer(
        [
            ("select", CardinalitySelector(k=2), ["informative", "ids", "cat", "str_nulls"]),
            ("keep", "passthrough", ["ints"]),
        ]
    )
    out = ct.fit(X, y).transform(X)
    assert out.shape == (len(X), 3)
    names = ct.get_feature_names_out().tolist()
    assert names[-1] == "keep__ints" and all(n.startswith("select__") for n in names[:2])
    assert "select__ids" not in names


def test_set_output_pandas_and_polars(pandas_df: pd.DataFrame, polars_df: pl.DataFrame) -> None:
    X, y = xy(pandas_df)
    sel = CardinalitySelector(k=2).set_output(transform="pandas").fit(X, y)
    out = sel.transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(sel.get_feature_names_out())
    assert out["cat"].dtype == "category"  # kept as is
    Xp, yp = xy(polars_df)
    out_pl = CardinalitySelector(k=2).set_output(transform="polars").fit(Xp, yp).transform(Xp)
    assert isinstance(out_pl, pl.DataFrame) and out_pl.width == 2
