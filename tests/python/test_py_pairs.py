"""cardrank.redundancy, cardrank.interactions, cardrank.select, Ranker pairs
and the selector's method="3mr", against scikit-learn and the CLI."""

from __future__ import annotations

import itertools
import json
import math
import pickle
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder

import cardrank
from cardrank.sklearn import CardinalitySelector
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)


def _xor_frame(n: int = 4_000, seed: int = 3) -> pd.DataFrame:
    """y = a XOR b (10% label noise); `site` weakly informative, `site_copy`
    a relabelled copy of it, the rest noise."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n)
    b = rng.integers(0, 2, n)
    site = rng.integers(0, 6, n)
    y = np.where(rng.random(n) < 0.9, a ^ b, rng.integers(0, 2, n))
    y = np.where((site == 0) & (rng.random(n) < 0.5), 1, y)
    return pd.DataFrame(
        {
            "a": [f"a{v}" for v in a],
            "b": [f"b{v}" for v in b],
            "site": [f"s{v}" for v in site],
            "site_copy": [f"copy{7 * v + 1}" for v in site],
            "noise1": [f"n{v}" for v in rng.integers(0, 4, n)],
            "noise2": [f"m{v}" for v in rng.integers(0, 30, n)],
            "y": y,
        }
    )


@pytest.fixture(scope="module")
def xor() -> pd.DataFrame:
    return _xor_frame()


# --- redundancy -------------------------------------------------------------


def test_redundancy_equals_sklearn_for_every_pair(xor: pd.DataFrame) -> None:
    table = cardrank.redundancy(xor, "y", output="dict")
    features = [c for c in xor.columns if c != "y"]
    assert len(table) == len(features) * (len(features) - 1) // 2
    seen = set()
    for row in table:
        a, b = xor[row["feature_a"]], xor[row["feature_b"]]
        seen.add(frozenset((row["feature_a"], row["feature_b"])))
        assert row["mi"] == pytest.approx(mutual_info_score(a, b), rel=1e-9, abs=1e-12)
        assert row["ami"] == pytest.approx(adjusted_mutual_info_score(a, b), rel=1e-7, abs=1e-9)
        assert row["score"] == pytest.approx(row["mi"] - row["expected_mi"], abs=1e-15)
    assert len(seen) == len(table)
    # Most redundant first; a relabelled copy is the top pair.
    scores = [r["score"] for r in table]
    assert scores == sorted(scores, reverse=True)
    assert {table[0]["feature_a"], table[0]["feature_b"]} == {"site", "site_copy"}
    assert table[0]["normalized"] == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["uci_mushroom.csv.gz", "adult.csv.gz"])
def test_redundancy_equals_sklearn_on_real_data(shared_data: Path, name: str) -> None:
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    label = {"uci_mushroom.csv.gz": "class", "adult.csv.gz": "income"}[name]
    df = pacsv.read_csv(
        path, convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=False)
    )
    df = df.cast(pa.schema([(f.name, pa.string()) for f in df.schema]))
    table = cardrank.redundancy(path, label, max_features=100, output="dict")
    features = [c for c in df.column_names if c != label]
    assert len(table) == len(features) * (len(features) - 1) // 2
    frame = df.to_pandas()
    for row in table:
        want = mutual_info_score(frame[row["feature_a"]], frame[row["feature_b"]])
        assert row["mi"] == pytest.approx(want, rel=1e-9, abs=1e-12), row


def test_redundancy_same_for_path_pandas_polars_and_reader(xor: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "xor.csv"
    xor.to_csv(path, index=False)
    want = cardrank.redundancy(xor, "y", max_features=4, output="dict")
    table = pa.Table.from_pandas(xor, preserve_index=False)
    inputs: list[Any] = [
        path,
        str(path),
        pl.from_pandas(xor),
        table,
        pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=500)),
    ]
    for data in inputs:
        got = cardrank.redundancy(data, "y", max_features=4, output="dict")
        # The CSV's y is read as text, the frame's as integers: same partition.
        assert got == want, type(data)


def test_budget_is_stated(xor: pd.DataFrame) -> None:
    table = cardrank.redundancy(xor, "y", max_features=10, max_pairs=3, output="arrow")
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert meta["cardrank.pairs_tested"] == "3"
    assert meta["cardrank.passes"] == "2"
    chosen = json.loads(meta["cardrank.pair_features"])
    ranking = cardrank.rank(xor, "y", output="dict")
    assert chosen == [r["feature"] for r in ranking[:3]]
    assert "lowered max_features 10 to 3" in meta["cardrank.budget"]
    df = cardrank.redundancy(xor, "y", max_features=3, output="pandas")
    assert df.attrs["pairs_tested"] == "3" and len(df) == 3


# --- interactions -------------------------------------------------------------


def test_xor_pair_is_the_top_pair_by_adjusted_synergy(xor: pd.DataFrame) -> None:
    pairs = cardrank.interactions(xor, "y", output="dict")
    top = pairs[0]
    assert {top["feature_a"], top["feature_b"]} == {"a", "b"}
    assert top["order"] == 2 and top["feature_c"] is None
    joint = xor["a"] + "|" + xor["b"]
    assert top["joint_mi"] == pytest.approx(mutual_info_score(joint, xor["y"]), rel=1e-9)
    single = mutual_info_score(xor["a"], xor["y"]) + mutual_info_score(xor["b"], xor["y"])
    assert top["synergy"] == pytest.approx(top["joint_mi"] - single, rel=1e-9, abs=1e-12)
    assert top["log10_q"] < -50
    rest = [p["adjusted_synergy"] for p in pairs[1:]]
    assert max(rest) < top["adjusted_synergy"] / 10


def test_triples(xor: pd.DataFrame) -> None:
    rows = cardrank.interactions(xor, "y", order=3, triple_pairs=2, output="dict")
    pairs = [r for r in rows if r["order"] == 2]
    triples = [r for r in rows if r["order"] == 3]
    n = len([c for c in xor.columns if c != "y"])
    assert len(pairs) == n * (n - 1) // 2
    # The best 2 pairs, each extended by the 4 other features (no repeats).
    assert 4 < len(triples) <= 8
    for t in triples:
        names = [t["feature_a"], t["feature_b"], t["feature_c"]]
        joint = xor[names[0]] + "|" + xor[names[1]] + "|" + xor[names[2]]
        assert t["joint_mi"] == pytest.approx(mutual_info_score(joint, xor["y"]), rel=1e-9)
        assert t["gain_over_pairs"] is not None
    with_ab = [t for t in triples if {"a", "b"} <= {t["feature_a"], t["feature_b"], t["feature_c"]}]
    assert len(with_ab) == n - 2


# --- select -------------------------------------------------------------------


def test_select_never_keeps_a_copy_and_takes_the_xor_halves(xor: pd.DataFrame) -> None:
    steps = cardrank.select(xor, "y", 4, method="outrank", output="dict")
    names = [s["feature"] for s in steps]
    assert len(names) == 4
    assert not {"site", "site_copy"} <= set(names[:4])
    assert {"a", "b"} <= set(names)
    ab = [s for s in steps if s["feature"] in ("a", "b")]
    assert {s["partner"] for s in ab} == {"a", "b"}  # taken together, as a pair step
    # mRMR (beta = 0) scores without synergy: it cannot see the XOR pair.
    mrmr = cardrank.select(xor, "y", 4, method="outrank", beta=0.0, output="dict")
    for s in mrmr:
        assert s["score"] == pytest.approx(s["relevance"] - s["redundancy"], abs=1e-15)
    assert not {"a", "b"} <= {s["feature"] for s in mrmr[:2]}


def test_select_matches_the_cli(xor: pd.DataFrame, tmp_path: Path, cardrank_bin: Path) -> None:
    path = tmp_path / "xor.csv"
    xor.to_csv(path, index=False)
    out = subprocess.run(
        [str(cardrank_bin), "select", str(path), "--target", "y", "--k", "4", "--json",
         "--alpha", "0.5", "--aggregate", "max", "--method", "outrank"],
        check=True, capture_output=True, text=True,
    )
    cli = json.loads(out.stdout)["selected"]
    py = cardrank.select(path, "y", 4, method="outrank", alpha=0.5, aggregate="max",
                         output="dict")
    assert [s["feature"] for s in py] == [s["feature"] for s in cli]
    for a, b in zip(py, cli, strict=True):
        assert a["score"] == b["score"]
        assert a["partner"] == b["partner"]


def test_select_output_types(xor: pd.DataFrame) -> None:
    arrow = cardrank.select(xor, "y", 3, method="outrank", output="arrow")
    assert arrow.column_names == ["step", "feature", "relevance", "redundancy", "synergy",
                                  "score", "partner"]
    meta = {k.decode(): v.decode() for k, v in arrow.schema.metadata.items()}
    assert meta["cardrank.method"] == "3mr"
    polars = cardrank.select(xor, "y", 3, method="outrank", output="polars")
    assert polars["feature"].to_list() == arrow.column("feature").to_pylist()
    pandas = cardrank.select(xor, "y", 3, method="outrank", output="pandas", beta=0)
    assert pandas.attrs["method"] == "mrmr"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda df: cardrank.select(df, "y", 0), "`k`"),
        (lambda df: cardrank.select(df, "y", 2, method="outrank", aggregate="sum"),
         "`aggregate`"),
        (lambda df: cardrank.interactions(df, "y", order=4), "`order`"),
        (lambda df: cardrank.redundancy(df, "y", max_features=1), "max_features"),
        (lambda df: cardrank.redundancy(df, "y", max_pairs=0), "`max_pairs`"),
        (lambda df: cardrank.redundancy(df, "y", output="csv"), "`output`"),
    ],
)
def test_bad_parameters(xor: pd.DataFrame, call: Any, message: str) -> None:
    with pytest.raises(cardrank.InvalidParameterError, match=message):
        call(xor)


def test_errors_are_the_rank_errors(xor: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(cardrank.MissingTargetError):
        cardrank.redundancy(xor, "nope")
    with pytest.raises(cardrank.MissingTargetError):
        path = tmp_path / "x.csv"
        xor.to_csv(path, index=False)
        cardrank.interactions(path, "nope")
    with pytest.raises(cardrank.ConstantTargetError):
        cardrank.select(xor.assign(y=1), "y", 2)
    with pytest.raises(cardrank.OpenError):
        cardrank.redundancy(tmp_path / "absent.csv", "y")


def test_multivalue_columns_are_ranked_but_not_paired(xor: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(xor, preserve_index=False)
    tags = pa.array([["t1", "t2"] if v else ["t3"] for v in xor["a"] == "a1"])
    table = table.append_column("tags", tags)
    rows = cardrank.redundancy(table, "y", output="dict")
    assert all("tags" not in (r["feature_a"], r["feature_b"]) for r in rows)
    meta = {k.decode(): v.decode() for k, v in cardrank.redundancy(table, "y").schema.metadata.items()}
    assert "of 7 features" in meta["cardrank.budget"]


# --- Ranker with pairs ----------------------------------------------------------


def test_ranker_pairs_merge_and_pickle_exactly(xor: pd.DataFrame) -> None:
    features = ["a", "b", "site", "site_copy"]
    triples = [["a", "b", "site"]]
    whole = cardrank.Ranker("y", pairs=features, triples=triples)
    whole.update(xor)
    parts = []
    for chunk in np.array_split(np.arange(len(xor)), 3):
        r = cardrank.Ranker("y", pairs=features, triples=triples)
        r.update(xor.iloc[chunk])
        parts.append(pickle.loads(pickle.dumps(r)))
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    restored = cardrank.Ranker.from_bytes(merged.to_bytes(), pairs=features, triples=triples)
    want = whole.interactions()
    assert merged.interactions() == want
    assert restored.interactions() == want
    assert want["pairs_tested"] == 6 and want["triples_tested"] == 1
    assert want["triples"][0]["features"] == ["a", "b", "site"]
    # The same tables as the one-call API.
    red = {(r["feature_a"], r["feature_b"]): r["mi"] for r in cardrank.redundancy(
        xor, "y", features=features, output="dict")}
    for r in want["redundancy"]:
        assert red[tuple(r["features"])] == r["mi"]


def test_ranker_pair_errors(xor: pd.DataFrame) -> None:
    r = cardrank.Ranker("y")
    r.update(xor)
    with pytest.raises(cardrank.InvalidParameterError):
        r.interactions()
    with pytest.raises(cardrank.InvalidParameterError, match="triples"):
        cardrank.Ranker("y", triples=[["a", "b"]])
    with pytest.raises(cardrank.StateMismatchError):
        cardrank.Ranker.from_bytes(r.to_bytes(), pairs=["a", "b"])
    with_pairs = cardrank.Ranker("y", pairs=["a", "nope"])
    with pytest.raises(cardrank.CardrankError):
        with_pairs.update(xor)
        with_pairs.interactions()


# --- the selector ---------------------------------------------------------------


def test_selector_3mr_in_a_pipeline(xor: pd.DataFrame) -> None:
    X, y = xor.drop(columns="y"), xor["y"].to_numpy()
    sel = CardinalitySelector(k=4, method="3mr").fit(X, y)
    kept = list(sel.get_feature_names_out())
    assert {"a", "b"} <= set(kept)
    assert not {"site", "site_copy"} <= set(kept)
    assert sel.selection_.column("feature").to_pylist()[:1] == [sel.ranking_.column("feature")[0].as_py()]
    # By rank alone, the copy comes with the original and the XOR halves
    # (no relevance on their own) are not both kept.
    plain = set(CardinalitySelector(k=2, method="rank").fit(X, y).get_feature_names_out())
    assert plain == {"site", "site_copy"}
    pipe = make_pipeline(CardinalitySelector(k=4, method="3mr"), OrdinalEncoder())
    assert pipe.fit_transform(X, y).shape == (len(X), 4)


def test_selector_3mr_parameters(xor: pd.DataFrame) -> None:
    X, y = xor.drop(columns="y"), xor["y"]
    for bad, match in [
        ({"method": "best"}, "method"),
        ({"method": "3mr", "threshold": 0.1}, "threshold"),
        ({"method": "3mr", "k": 2, "alpha": math.nan}, "alpha"),
        ({"method": "3mr", "k": 2, "max_features": 1}, "max_features"),
    ]:
        with pytest.raises(ValueError, match=match):
            CardinalitySelector(**bad).fit(X, y)
    # k larger than max_features: the candidates grow to k (the OutRank 3MR
    # keeps k; the target-units methods never keep a copy of a kept feature).
    sel = CardinalitySelector(k=5, method="outrank", max_features=2).fit(X, y)
    assert sel.get_support().sum() == 5


def test_all_pairs_agree_with_itertools(xor: pd.DataFrame) -> None:
    rows = cardrank.interactions(xor, "y", output="dict")
    got = {frozenset((r["feature_a"], r["feature_b"])) for r in rows}
    want = {frozenset(p) for p in itertools.combinations([c for c in xor if c != "y"], 2)}
    assert got == want


def test_exclude_with_a_file(xor: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "xor.csv"
    xor.to_csv(path, index=False)
    ranked = cardrank.rank(path, "y", exclude=["noise2"], output="dict")
    assert {r["feature"] for r in ranked} == {"a", "b", "site", "site_copy", "noise1"}
    assert ranked == cardrank.rank(xor.drop(columns="noise2").astype(str), "y", output="dict")
    rows = cardrank.redundancy(path, "y", exclude=["noise2"], max_features=3, output="dict")
    assert len(rows) == 3 and all("noise2" not in (r["feature_a"], r["feature_b"]) for r in rows)
    report = cardrank.report(path, "y", tmp_path / "r", exclude=["noise2"], unusual_rows=3)
    assert "noise2" not in {c["name"] for c in report["columns"]}
    with pytest.raises(cardrank.UnknownColumnError, match="nope"):
        cardrank.rank(path, "y", exclude=["nope"])


def test_an_id_column_lends_no_synergy(xor: pd.DataFrame) -> None:
    # A column unique per row is far below chance on its own; floored at 0,
    # its members' relevance leaves it no synergy to be picked for.
    df = xor.assign(row_id=[f"r{i}" for i in range(len(xor))])
    pairs = cardrank.interactions(df, "y", output="dict")
    with_id = [p for p in pairs if "row_id" in (p["feature_a"], p["feature_b"])]
    assert max(p["adjusted_synergy"] for p in with_id) < 0.01
    steps = cardrank.select(df, "y", 3, method="outrank", output="dict")
    assert [s["feature"] for s in steps] == ["site", "a", "b"]


def test_3mr_keeps_no_id_on_census(shared_data: Path) -> None:
    path = shared_data / "census_income_kdd.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    df = pd.read_csv(path, dtype=str, keep_default_na=False).sample(20_000, random_state=0)
    half = (len(df.columns) - 1) // 2
    steps = cardrank.select(df, "income", half, method="outrank", max_features=100,
                            output="dict")
    assert len(steps) == half
    assert "instance_weight" not in {s["feature"] for s in steps}
