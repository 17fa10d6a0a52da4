"""Conditional relevance on real data (issue 16): CMI(X; Y | Z), its exact
expectation and its null sd, as `cardrank.rank(..., given=...)` computes
them, against plain numpy: the plug-in CMI directly, and the expectation and
sd by permuting the target within each value of Z.

Tolerances: CMI to 1e-9 (the same plug-in formula); the expectation within
4 standard errors of the permutation mean (400 permutations); the sd within
15% of the permutation sd (the sd is a model: the sum of the strata's
variances; binary targets).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cardrank import _core
from conftest import data_file

PERMUTATIONS = 400


def codes(column: pd.Series) -> np.ndarray:
    return pd.factorize(column.astype(str), sort=True)[0].astype(np.int64)


def plug_in_cmi(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """sum over z of p(z) MI(X; Y | Z = z), from counts, in nats."""
    nx, ny = x.max() + 1, y.max() + 1
    xyz = np.bincount((z * nx + x) * ny + y).astype(np.float64)
    xz = np.bincount(z * nx + x).astype(np.float64)
    yz = np.bincount(z * ny + y).astype(np.float64)
    zc = np.bincount(z).astype(np.float64)
    n = len(x)
    cells = np.nonzero(xyz)[0]
    k = xyz[cells]
    zi = cells // (nx * ny)
    xi = (cells // ny) % nx
    yi = cells % ny
    return float(np.sum(k / n * np.log(k * zc[zi] / (xz[zi * nx + xi] * yz[zi * ny + yi]))))


def permuted(x: np.ndarray, y: np.ndarray, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """CMI of PERMUTATIONS shuffles of y within each value of z."""
    order = np.argsort(z, kind="stable")
    zs, xs, ys = z[order], x[order], y[order]
    bounds = np.flatnonzero(np.diff(zs)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(zs)]))
    out = np.empty(PERMUTATIONS)
    for p in range(PERMUTATIONS):
        shuffled = ys.copy()
        for a, b in zip(starts, ends, strict=True):
            if b - a > 1:
                shuffled[a:b] = rng.permutation(shuffled[a:b])
        out[p] = plug_in_cmi(xs, shuffled, zs)
    return out


@pytest.mark.parametrize(
    ("name", "target", "pairs"),
    [
        ("adult.csv.gz", "income", [("education", "relationship"), ("sex", "occupation"),
                                    ("race", "workclass")]),
        ("bank_marketing_10pct.csv.gz", None, [("job", "marital"), ("contact", "month")]),
    ],
)
def test_cmi_expectation_and_sd_against_permutations(name: str, target: str | None,
                                                     pairs: list[tuple[str, str]]) -> None:
    df = pd.read_csv(data_file(name), dtype=str, keep_default_na=False)
    target = target or df.columns[-1]
    if name.startswith("bank"):
        df = df.iloc[:2_000]  # the within-strata loop is Python: keep it short
    else:
        df = df.iloc[:6_000]
    y = codes(df[target])
    rng = np.random.default_rng(7)
    for x_name, z_name in pairs:
        given = json.loads(
            _core.probe_run(df[[x_name, z_name, target]], target, given=[z_name]).rank_given(
                joint_levels=1
            )
        )
        term = given["features"][0]["terms"][0]
        assert (term["feature"], term["given"]) == (x_name, z_name)
        x, z = codes(df[x_name]), codes(df[z_name])
        assert term["cmi"] == pytest.approx(plug_in_cmi(x, y, z), abs=1e-9)
        null = permuted(x, y, z, rng)
        se = null.std(ddof=1) / np.sqrt(PERMUTATIONS)
        assert abs(null.mean() - term["expected"]) < 4 * se, (x_name, z_name, null.mean(), term)
        ratio = term["null_sd"] / null.std(ddof=1)
        assert abs(ratio - 1) < 0.15, (x_name, z_name, ratio)
