"""The cross-fitted gain (`score="gain"`) against a plain-numpy computation.

The folds are rebuilt here from their documented rule (`cardrank::gain`):
for each ranked column (not the target), xxh3_64 of the column name, a 0 byte
and the value's text (a 1 byte alone for a missing value); the wrapping sum
of those over the row; the fold is xxh3_64 of that sum's 8 little-endian
bytes, modulo 5. The hash is the `xxhash` package's, not cardrank's, and the
gain is computed per fold with numpy, not from merged counts.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import xxhash

import cardrank

FOLDS = 5
PRIOR = 10.0
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
MASK = (1 << 64) - 1


def folds_of(columns: dict[str, list[str | None]]) -> np.ndarray:
    n = len(next(iter(columns.values())))
    keys = [0] * n
    for name, values in columns.items():
        prefix = name.encode()
        cache: dict[str | None, int] = {}
        for r, v in enumerate(values):
            h = cache.get(v)
            if h is None:
                raw = prefix + b"\x01" if v is None or v == "" else prefix + b"\x00" + v.encode()
                h = cache[v] = xxhash.xxh3_64_intdigest(raw)
            keys[r] = (keys[r] + h) & MASK
    return np.array(
        [xxhash.xxh3_64_intdigest(k.to_bytes(8, "little")) % FOLDS for k in keys], dtype=np.int64
    )


def numpy_gain(x: list[str | None], y: list[str | None], folds: np.ndarray) -> float:
    """Mean over rows of ln pred(y) - ln base(y), both learnt outside the row's fold."""
    xs = np.unique(np.array(["\0missing" if v in (None, "") else v for v in x]), return_inverse=True)[1]
    ys = np.unique(np.array([str(v) for v in y]), return_inverse=True)[1]
    levels, classes = xs.max() + 1, ys.max() + 1
    total = 0.0
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        if not test.any():
            continue
        base = (np.bincount(ys[train], minlength=classes) + 0.5) / (train.sum() + 0.5 * classes)
        counts = np.zeros((levels, classes))
        np.add.at(counts, (xs[train], ys[train]), 1.0)
        pred = (counts + PRIOR * base) / (counts.sum(axis=1, keepdims=True) + PRIOR)
        total += float(np.sum(np.log(pred[xs[test], ys[test]]) - np.log(base[ys[test]])))
    return total / len(y)


def check_against_numpy(table: pa.Table, target: str) -> dict[str, float]:
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    folds = folds_of({k: v for k, v in columns.items() if k != target})
    assert len(set(folds.tolist())) == FOLDS
    ranking = cardrank.rank(table, target, score="gain", output="dict")
    got = {r["feature"]: r["gain"] for r in ranking}
    assert [r["score"] for r in ranking] == sorted(got.values(), reverse=True)
    for name in table.column_names:
        if name == target:
            continue
        want = numpy_gain(columns[name], columns[target], folds)
        assert math.isclose(got[name], want, rel_tol=0, abs_tol=1e-9), (name, got[name], want)
    return got


def test_gain_equals_numpy_on_generated_data() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    site = rng.integers(0, 300, n)
    rate = rng.uniform(0.02, 0.4, 300)[site]
    click = (rng.random(n) < rate).astype(int)
    device = rng.choice(["ios", "android", "web", None], n)
    table = pa.table(
        {
            "site": [f"s{v}" for v in site],
            "device": device.tolist(),
            "id": [f"r{i}" for i in range(n)],
            "noise": [f"n{v}" for v in rng.integers(0, n // 3, n)],
            "click": [str(c) for c in click],
        }
    )
    got = check_against_numpy(table, "click")
    assert got["id"] == 0.0
    assert got["noise"] < 0.0 < got["site"]


def test_gain_equals_numpy_on_a_multiclass_target() -> None:
    rng = np.random.default_rng(6)
    n = 5_000
    a = rng.integers(0, 12, n)
    y = np.where(rng.random(n) < 0.5, a % 3, rng.integers(0, 3, n))
    table = pa.table({"a": [str(v) for v in a], "b": [str(v) for v in rng.integers(0, 800, n)],
                      "y": [f"class{v}" for v in y]})  # fmt: skip
    got = check_against_numpy(table, "y")
    assert got["a"] > 0.1 > got["b"]


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
def test_gain_equals_numpy_on_adult() -> None:
    with gzip.open(DATA / "adult.csv.gz", "rb") as f:
        first = f.readline().decode().strip().split(",")
    options = pacsv.ConvertOptions(column_types={c: pa.string() for c in first})
    table = pacsv.read_csv(DATA / "adult.csv.gz", convert_options=options)
    got = check_against_numpy(table.slice(0, 20_000), "income")
    # The near-unique survey weight tells little out of fold.
    assert got["fnlwgt"] < got["relationship"] / 5
