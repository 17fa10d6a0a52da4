"""Selection in target units (`cardrank.select`, methods jmi/cmim/mrmr/3mr),
what a candidate adds to given features (`cardrank.rank(..., given=...)`),
the selector's methods, and the CLI's equal answers (issue 16), on generated
data whose truth is known."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

import cardrank
from cardrank.exceptions import InvalidParameterError, UnknownColumnError
from cardrank.sklearn import CardinalitySelector

TARGET_METHODS = ("jmi", "joint", "cmim", "mrmr", "3mr")


def _truth(n: int = 6_000, seed: int = 5) -> pd.DataFrame:
    """y = b XOR c, read off with 5% noise; `s` a noisy copy of y (informative
    alone), `s_copy` a relabelled copy of `s`, `const` a constant, the rest
    noise."""
    rng = np.random.default_rng(seed)
    b, c = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = np.where(rng.random(n) < 0.95, b ^ c, rng.integers(0, 2, n))
    s = np.where(rng.random(n) < 0.7, y, rng.integers(0, 2, n)) * 3 + rng.integers(0, 3, n)
    return pd.DataFrame(
        {
            "noise1": [f"n{v}" for v in rng.integers(0, 5, n)],
            "b": [f"b{v}" for v in b],
            "s": [f"s{v}" for v in s],
            "const": ["k"] * n,
            "c": [f"c{v}" for v in c],
            "s_copy": [f"z{11 * v + 2}" for v in s],
            "noise2": [f"m{v}" for v in rng.integers(0, 40, n)],
            "y": y,
        }
    )


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return _truth()


def _picked(table: list[dict]) -> list[str]:
    return [row["feature"] for row in table]


@pytest.mark.parametrize("method", TARGET_METHODS)
def test_copies_and_constants_never_and_the_xor_pair_once_k_allows(
    truth: pd.DataFrame, method: str
) -> None:
    got = _picked(cardrank.select(truth, "y", 3, method=method, output="dict"))
    assert got[0] == "s", got
    assert set(got[1:]) == {"b", "c"}, got
    every = _picked(cardrank.select(truth, "y", 6, method=method, output="dict"))
    assert "const" not in every and not {"s", "s_copy"} <= set(every), every


def test_the_default_method_is_joint_and_stops_at_k_suggested() -> None:
    rng = np.random.default_rng(9)
    n = 8_000
    y = rng.integers(0, 2, n)
    informative = {
        f"sig{i}": np.where(rng.random(n) < 0.6 - 0.1 * i, y, rng.integers(0, 2, n)) for i in range(3)
    }
    noise = {f"noise{i}": rng.integers(0, 4, n) for i in range(6)}
    df = pd.DataFrame({**informative, **noise, "y": y}).astype(str)
    table = cardrank.select(df, "y")
    assert table.attrs["method"] == "joint"
    assert int(table.attrs["k_suggested"]) == 3
    assert sorted(table["feature"]) == ["sig0", "sig1", "sig2"]
    assert table["significant"].all()
    forced = cardrank.select(df, "y", 5, output="dict")
    assert len(forced) == 5 and not any(r["significant"] for r in forced[3:])
    # joint_levels: the combinations of the features taken before that a
    # step was measured given (none for the first step, nor the second,
    # which is given one feature).
    taken = [r["feature"] for r in forced]
    assert forced[0]["joint_levels"] is None and forced[1]["joint_levels"] is None
    for i in (2, 3, 4):
        assert forced[i]["joint_levels"] == df.groupby(taken[:i]).ngroups, (i, forced[i])
    assert pd.isna(table["joint_levels"].iloc[1]) and table["joint_levels"].iloc[2] == 4
    # Integers with gaps stay integers in pandas (its nullable Int64).
    assert str(table["joint_levels"].dtype) == "Int64" and str(table["step"].dtype) == "int64"


def test_one_default_method_for_python_and_the_cli(cardrank_bin: str) -> None:
    from cardrank import _api, _conditional, _core

    assert _api.METHOD == _core.DEFAULT_METHOD == _conditional.METHODS[0] == "joint"
    assert len(set(_conditional.METHODS)) == len(_conditional.METHODS)
    help_text = subprocess.run(
        [cardrank_bin, "select", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "[default: joint]" in help_text


def test_given_ranks_what_a_candidate_adds() -> None:
    rng = np.random.default_rng(4)
    n = 6_000
    ref, a = rng.integers(0, 2, n), rng.integers(0, 2, n)
    y = np.where(rng.random(n) < 0.9, ref ^ a, rng.integers(0, 2, n))
    weak = np.where(rng.random(n) < 0.2, y, rng.integers(0, 2, n))
    df = pd.DataFrame(
        {"weak": weak, "a": a, "ref_copy": ref * 5 + 1, "ref": ref, "noise": rng.integers(0, 7, n),
         "y": y}
    )
    alone = _picked(cardrank.rank(df, "y", output="dict"))
    assert alone.index("a") > alone.index("weak")  # a tells nothing alone
    given = cardrank.rank(df, "y", given=["ref"], output="dict")
    assert [g["feature"] for g in given][0] == "a"
    assert given[-1]["feature"] == "ref_copy" and given[-1]["determined"]
    assert "ref" not in _picked(given)
    assert given[0]["worst"] == "ref" and given[0]["z"] > 10
    polars = cardrank.rank(pl.from_pandas(df), "y", given="ref")
    assert isinstance(polars, pl.DataFrame) and polars["feature"].to_list() == _picked(given)
    # In a selection, given features condition every step and are never taken.
    steps = cardrank.select(df, "y", 2, given=["ref"], output="dict")
    assert _picked(steps)[0] == "a" and "ref" not in _picked(steps)


def test_a_file_and_the_cli_give_the_same_selection(truth: pd.DataFrame, tmp_path: Path,
                                                    cardrank_bin: str) -> None:
    path = tmp_path / "truth.csv"
    truth.to_csv(path, index=False)
    for method in TARGET_METHODS:
        in_memory = cardrank.select(truth.astype(str), "y", 4, method=method, output="dict")
        from_file = cardrank.select(path, "y", 4, method=method, output="dict")
        assert from_file == in_memory
        out = subprocess.run(
            [cardrank_bin, "select", str(path), "-t", "y", "-k", "4", "--method", method,
             "--json", "-q"],
            capture_output=True, text=True, check=True,
        )
        cli = json.loads(out.stdout)
        assert [s["feature"] for s in cli["selected"]] == _picked(from_file)
        assert [s["score"] for s in cli["selected"]] == [s["score"] for s in from_file]
    out = subprocess.run(
        [cardrank_bin, "rank", str(path), "-t", "y", "--given", "b", "--json", "-q"],
        capture_output=True, text=True, check=True,
    )
    cli = json.loads(out.stdout)
    py = cardrank.rank(path, "y", given=["b"], output="dict")
    assert [f["feature"] for f in cli["features"]] == _picked(py)
    assert _picked(py)[0] == "c"  # y = b XOR c: c adds everything beyond b


def test_the_outrank_method_is_the_papers_3mr(truth: pd.DataFrame) -> None:
    got = cardrank.select(truth, "y", 3, method="outrank", output="dict")
    assert set(got[0]) >= {"redundancy", "synergy"}
    with pytest.raises(InvalidParameterError, match="needs `k`"):
        cardrank.select(truth, "y", method="outrank")
    with pytest.raises(InvalidParameterError, match="given"):
        cardrank.select(truth, "y", 3, method="outrank", given=["s"])


def test_bad_parameters_raise_cardrank_errors(truth: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="`method`"):
        cardrank.select(truth, "y", method="mifs")
    with pytest.raises(UnknownColumnError, match="nope"):
        cardrank.select(truth, "y", given=["nope"])
    with pytest.raises(UnknownColumnError, match="nope"):
        cardrank.rank(truth, "y", given=["nope"])
    with pytest.raises(InvalidParameterError, match="max_pairs"):
        cardrank.select(truth, "y", max_pairs=10)
    with pytest.raises(InvalidParameterError, match="`k`"):
        cardrank.select(truth, "y", 0)
    with pytest.raises(InvalidParameterError, match="alpha"):
        cardrank.select(truth, "y", method="mrmr", alpha=-1.0)


def test_candidates_are_the_best_max_features(truth: pd.DataFrame) -> None:
    table = cardrank.select(truth, "y", 2, max_features=2)
    assert int(table.attrs["candidates"]) <= 2
    assert "best 2 of" in table.attrs["budget"]


@pytest.mark.parametrize("method", ["jmi", "cmim", "3mr"])
def test_the_selector_keeps_the_selection(truth: pd.DataFrame, method: str) -> None:
    X, y = truth.drop(columns="y"), truth["y"]
    sel = CardinalitySelector(k=3, method=method).fit(X, y)
    assert sorted(sel.get_feature_names_out()) == ["b", "c", "s"]
    assert sel.selection_.num_rows == 3
    free = CardinalitySelector(method=method).fit(X, y)
    assert free.k_ is None and free.k_suggested_ >= 1
    assert "const" not in free.get_feature_names_out()


def test_the_selector_with_given_keeps_them_and_what_adds_most(truth: pd.DataFrame) -> None:
    X, y = truth.drop(columns="y"), truth["y"]
    sel = CardinalitySelector(k=1, given=["b"]).fit(X, y)
    assert sorted(sel.get_feature_names_out()) == ["b", "c"]
    with pytest.raises(ValueError, match="given"):
        CardinalitySelector(k=1, given=["nope"]).fit(X, y)
    with pytest.raises(ValueError, match="threshold"):
        CardinalitySelector(threshold=0.0, method="jmi").fit(X, y)
