"""The CLI against scikit-learn on made-up tables that stress the edges:
thousands of target classes (the sparse joint-count path), many-valued
features, quoted fields and empty values."""

from __future__ import annotations

import csv
import json
import math
import subprocess

import numpy as np
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score


def rank_json(cardrank_bin, path, target, *extra):
    proc = subprocess.run(
        [str(cardrank_bin), "rank", str(path), "--target", target, "--json", "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write_csv(path, columns):
    names = list(columns)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for row in zip(*(columns[n] for n in names)):
            w.writerow(row)


@pytest.mark.parametrize("classes", [3, 70, 1500])
def test_many_classes_match_sklearn(cardrank_bin, tmp_path, classes):
    rng = np.random.default_rng(classes)
    n = 20_000
    x = rng.integers(0, 300, n)
    y = (x * 7 + rng.integers(0, 3, n)) % classes  # depends on x
    z = rng.integers(0, 5000, n)  # noise, many values
    cols = {
        "x": [f"v{v}" for v in x],
        "z": [str(v) for v in z],
        "label": [f"c,{v}" for v in y],  # a comma inside: must be quoted
    }
    path = tmp_path / "multi.csv"
    write_csv(path, cols)
    out = rank_json(cardrank_bin, path, "label")
    assert out["classes"] == len(set(cols["label"]))
    feats = {f["feature"]: f for f in out["features"]}
    for name in ("x", "z"):
        mi = mutual_info_score(cols["label"], cols[name])
        ami = adjusted_mutual_info_score(cols["label"], cols[name])
        assert math.isclose(feats[name]["mi"], mi, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(feats[name]["ami"], ami, rel_tol=1e-7, abs_tol=1e-10)
    assert out["features"][0]["feature"] == "x"


def test_empty_values_are_one_category(cardrank_bin, tmp_path):
    cols = {
        "a": ["", "x", "", "y", "x", ""],
        "t": ["1", "0", "1", "0", "0", "1"],
    }
    path = tmp_path / "e.csv"
    write_csv(path, cols)
    f = rank_json(cardrank_bin, path, "t")["features"][0]
    assert f["cardinality"] == 3
    assert f["missing_share"] == pytest.approx(0.5)
    assert math.isclose(f["mi"], mutual_info_score(cols["t"], cols["a"]), rel_tol=1e-12)
