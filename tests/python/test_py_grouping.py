"""Values grouped into levels a model can learn (issue 16): ``cardrank.select``
(by default) and ``rank(given=..., min_count=...)`` measure a thin numeric
column as equal-frequency bins and pool other columns' rare values; their
relevance equals that of the rows grouped beforehand by a plain numpy
implementation of the rule, whose MI equals scikit-learn's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mutual_info_score

import cardrank
from cardrank.exceptions import InvalidParameterError
from conftest import data_file


def _thin(n: int = 5_000, seed: int = 2) -> pd.DataFrame:
    """`amount`: a few rows per value, informative above 375; `id`: mostly
    values seen once, a few frequent; `code`: four frequent values."""
    rng = np.random.default_rng(seed)
    amount = rng.integers(0, 3_000, n) / 4
    code = rng.integers(0, 4, n)
    frequent = rng.random(n) < 0.3
    ids = np.where(frequent, [f"f{v}" for v in rng.integers(0, 3, n)], [f"r{i}" for i in range(n)])
    p = 0.15 + 0.4 * (amount > 375) + 0.08 * code
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"amount": amount, "id": ids, "code": [f"c{v}" for v in code], "y": y})


def _group(values: np.ndarray, min_count: int, bins: int) -> np.ndarray:
    """The rule of docs/selection.md, plainly: rare values pooled, a numeric
    column mostly of rare values cut into equal-frequency bins."""
    text = np.array([str(v) for v in values], dtype=object)
    uniq, inverse, counts = np.unique(text, return_inverse=True, return_counts=True)
    rare = counts < min_count
    rows = len(text)
    try:
        numbers = np.array([float(u) for u in uniq])
    except ValueError:
        numbers = None
    if numbers is not None and bins >= 2 and len(uniq) > bins and 2 * counts[rare].sum() > rows:
        order = np.argsort(numbers, kind="stable")
        below = np.concatenate([[0], np.cumsum(counts[order])[:-1]])
        mid = below + counts[order] / 2
        bin_of = np.empty(len(uniq), dtype=int)
        bin_of[order] = np.minimum((mid / rows * bins).astype(int), bins - 1)
        return np.array([f"bin{b}" for b in bin_of[inverse]], dtype=object)
    return np.where(rare[inverse], "<rare>", text)


def _grouped_frame(df: pd.DataFrame, target: str, min_count: int = 20, bins: int = 32) -> pd.DataFrame:
    out = {c: _group(df[c].to_numpy(), min_count, bins) for c in df.columns if c != target}
    return pd.DataFrame(out | {target: df[target].astype(str)})


def test_select_measures_the_levels_a_plain_grouping_gives() -> None:
    df = _thin()
    chosen = cardrank.select(df, "y", k=3, output="pandas")
    grouped = json.loads(chosen.attrs["grouped"])
    assert {g["feature"]: (g["how"], g["levels_after"]) for g in grouped} == {
        "amount": ("binned", 32),
        "id": ("pooled", 4),  # three frequent values and <other>
    }
    assert json.loads(chosen.attrs["grouping"]) == {"min_count": 20, "bins": 32}
    plain = _grouped_frame(df, "y")
    ranked = cardrank.rank(plain, "y", output="pandas").set_index("feature")
    for _, step in chosen.iterrows():
        assert step["relevance"] == pytest.approx(ranked.loc[step["feature"], "adjusted"], abs=1e-12)
        mi = mutual_info_score(plain[step["feature"]], plain["y"])
        assert ranked.loc[step["feature"], "mi"] == pytest.approx(mi, abs=1e-12)
    assert chosen["feature"].iloc[0] == "amount"


def test_min_count_zero_keeps_every_value_and_given_opts_in() -> None:
    df = _thin(n=3_000, seed=4)
    raw = cardrank.select(df, "y", k=2, min_count=0, output="pandas")
    assert json.loads(raw.attrs["grouped"]) == []
    ranked = cardrank.rank(df, "y", output="pandas").set_index("feature")
    for _, step in raw.iterrows():
        assert step["relevance"] == pytest.approx(ranked.loc[step["feature"], "adjusted"], abs=1e-12)
    # rank(given=) keeps every value unless min_count is given.
    plain_given = cardrank.rank(df, "y", given=["code"], output="pandas")
    assert json.loads(plain_given.attrs["grouped"]) == []
    given = cardrank.rank(df, "y", given=["code"], min_count=20, output="pandas")
    assert {g["feature"] for g in json.loads(given.attrs["grouped"])} == {"amount", "id"}
    relevance = dict(zip(given["feature"], given["relevance"], strict=True))
    plain = cardrank.rank(_grouped_frame(df, "y"), "y", output="pandas").set_index("feature")
    assert relevance["amount"] == pytest.approx(plain.loc["amount", "adjusted"], abs=1e-12)


def test_the_selector_groups_and_file_input_agrees(tmp_path: Path) -> None:
    from cardrank.sklearn import CardinalitySelector

    df = _thin(n=4_000, seed=9)
    X, y = df.drop(columns="y"), df["y"]
    kept = CardinalitySelector(k=1, method="jmi").fit(X, y).get_feature_names_out()
    assert list(kept) == ["amount"]
    path = tmp_path / "thin.csv"
    df.to_csv(path, index=False)
    from_file = cardrank.select(str(path), "y", k=3, output="pandas")
    in_memory = cardrank.select(df, "y", k=3, output="pandas")
    assert list(from_file["feature"]) == list(in_memory["feature"])
    assert from_file.attrs["grouped"] == in_memory.attrs["grouped"]


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"min_count": -1}, "min_count"), ({"bins": 1}, "bins"), ({"min_count": 2.5}, "min_count"),
])  # fmt: skip
def test_bad_grouping_parameters(kwargs: dict, word: str) -> None:
    with pytest.raises(InvalidParameterError, match=word):
        cardrank.select(_thin(n=200), "y", **kwargs)


def test_rank_without_given_rejects_grouping() -> None:
    with pytest.raises(InvalidParameterError, match="min_count"):
        cardrank.rank(_thin(n=200), "y", min_count=20)


def test_real_thin_column_is_binned() -> None:
    """Bank marketing's `duration` (seconds of the last call, a few rows per
    value) is binned; its relevance equals the plain grouping's."""
    path = data_file("bank_marketing_10pct.csv.gz")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    chosen = cardrank.select(df, "y", k=4, output="pandas")
    grouped = {g["feature"]: g["how"] for g in json.loads(chosen.attrs["grouped"])}
    assert grouped.get("duration") == "binned"
    plain = cardrank.rank(_grouped_frame(df, "y"), "y", output="pandas").set_index("feature")
    for _, step in chosen.iterrows():
        assert step["relevance"] == pytest.approx(plain.loc[step["feature"], "adjusted"], abs=1e-12)
