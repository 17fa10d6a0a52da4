"""`cardrank rank --json` on every real data set against scikit-learn.

mi must equal sklearn.metrics.mutual_info_score on the raw string values to
1e-9, ami must equal adjusted_mutual_info_score to 1e-7, cardinalities must be
exact, and the ID-like columns must rank below the real signals by the
default score although raw MI puts them first.
"""

from __future__ import annotations

import json
import math
import subprocess

import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

from conftest import LABELS, data_file


def run_rank(cardrank_bin, path, target, *extra):
    proc = subprocess.run(
        [str(cardrank_bin), "rank", str(path), "--target", target, "--json", "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def read_raw(path):
    # Every value is a category: read as text, keep "" and "?" as they are.
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


@pytest.mark.parametrize("name", sorted(LABELS))
def test_measures_equal_sklearn(cardrank_bin, name):
    path = data_file(name)
    target = LABELS[name]
    out = run_rank(cardrank_bin, path, target)
    df = read_raw(path)
    y = df[target].to_numpy()
    assert out["rows"] == len(df)
    assert out["target"] == target
    features = {f["feature"]: f for f in out["features"]}
    assert set(features) == set(df.columns) - {target}
    ranks = sorted(f["rank"] for f in out["features"])
    assert ranks == list(range(1, len(features) + 1))
    for col, f in features.items():
        x = df[col].to_numpy()
        assert f["cardinality"] == df[col].nunique(), col
        mi = mutual_info_score(y, x)
        assert math.isclose(f["mi"], mi, rel_tol=1e-9, abs_tol=1e-12), (col, f["mi"], mi)
        ami = adjusted_mutual_info_score(y, x)
        assert math.isclose(f["ami"], ami, rel_tol=1e-7, abs_tol=1e-10), (col, f["ami"], ami)
        assert math.isclose(f["adjusted"], f["mi"] - f["expected_mi"], rel_tol=0, abs_tol=1e-15)
        assert f["score"] == f["adjusted"]
    scores = [f["score"] for f in out["features"]]
    assert scores == sorted(scores, reverse=True)


ID_LIKE = [
    ("uci_splice.csv.gz", "Instance_name"),
    ("bank_marketing_10pct.csv.gz", "id"),
    ("adult.csv.gz", "fnlwgt"),
    ("census_income_kdd.csv.gz", "instance_weight"),
]


@pytest.mark.parametrize("name,column", ID_LIKE)
def test_id_like_columns_rank_below_real_signals(cardrank_bin, name, column):
    path = data_file(name)
    out = run_rank(cardrank_bin, path, LABELS[name])
    feats = out["features"]
    by_mi = sorted(feats, key=lambda f: f["mi"], reverse=True)
    # The premise: raw MI puts the ID-like column first.
    assert by_mi[0]["feature"] == column
    rank = next(f["rank"] for f in feats if f["feature"] == column)
    # By MI - EMI it falls into the lower half, below the real signals.
    assert rank > len(feats) / 2, (column, rank, len(feats))
    best = feats[0]
    assert best["feature"] != column and best["adjusted"] > 0


def test_custom_missing_tokens_merge_categories(cardrank_bin, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,y\n?,1\n,1\nx,0\nNA,0\nx,1\n")
    plain = run_rank(cardrank_bin, path, "y")
    merged = run_rank(cardrank_bin, path, "y", "--missing", "?", "--missing", "NA")
    assert plain["features"][0]["cardinality"] == 4
    assert plain["features"][0]["missing_share"] == pytest.approx(0.2)
    f = merged["features"][0]
    assert f["cardinality"] == 3
    assert f["missing_share"] == pytest.approx(0.4)
