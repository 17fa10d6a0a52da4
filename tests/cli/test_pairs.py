"""Feature pairs through the CLI: `rank --redundancy --interactions`, `select`.

Pair redundancy MI must equal sklearn.metrics.mutual_info_score(A, B) on the
raw string values to 1e-9 for every pair; the joint relevance of a pair
must equal mutual_info_score(Y, A x B); on generated data the XOR pair tops
the pairs by adjusted synergy, the relabelled copy is its original's most
redundant partner, and `select` keeps one of the two but takes both XOR
halves.
"""

from __future__ import annotations

import json
import math
import subprocess

import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

from conftest import LABELS, data_file


def run(cardrank_bin, *args):
    proc = subprocess.run(
        [str(cardrank_bin), *map(str, args), "--quiet"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def read_raw(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


@pytest.mark.parametrize("name", ["uci_mushroom.csv.gz", "adult.csv.gz"])
def test_pair_redundancy_equals_sklearn(cardrank_bin, name):
    path = data_file(name)
    target = LABELS[name]
    out = run(cardrank_bin, "rank", path, "--target", target, "--json", "--redundancy", "--interactions", "2")
    df = read_raw(path)
    features = [c for c in df.columns if c != target]
    f = len(features)
    assert out["pair_budget"]["pairs_tested"] == f * (f - 1) // 2
    assert len(out["redundancy"]) == f * (f - 1) // 2 == len(out["pairs"])
    checked = 0
    for r in out["redundancy"]:
        a, b = r["features"]
        mi = mutual_info_score(df[a], df[b])
        assert math.isclose(r["mi"], mi, rel_tol=1e-9, abs_tol=1e-12), (a, b, r["mi"], mi)
        assert math.isclose(r["score"], r["mi"] - r["expected_mi"], abs_tol=1e-15)
        if df[a].nunique() * df[b].nunique() < 5000:
            ami = adjusted_mutual_info_score(df[a], df[b])
            assert math.isclose(r["ami"], ami, rel_tol=1e-7, abs_tol=1e-10), (a, b)
        checked += 1
    assert checked == f * (f - 1) // 2
    scores = [r["score"] for r in out["redundancy"]]
    assert scores == sorted(scores, reverse=True)
    y = df[target]
    rel = {g["feature"]: g for g in out["features"]}
    for p in out["pairs"][:10]:
        a, b = p["features"]
        joint = df[a] + "\x01" + df[b]
        mi = mutual_info_score(y, joint)
        assert math.isclose(p["joint_mi"], mi, rel_tol=1e-9, abs_tol=1e-12), (a, b)
        assert p["cardinality"] == joint.nunique()
        syn = mi - rel[a]["mi"] - rel[b]["mi"]
        assert math.isclose(p["synergy"], syn, rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture(scope="module")
def generated(cardrank_bin, tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "clicks.csv"
    subprocess.run(
        [str(cardrank_bin), "generate", "--rows", "200000", "--columns", "20", "--out", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def test_xor_pair_and_copy_on_generated_data(cardrank_bin, generated):
    out = run(cardrank_bin, "rank", generated, "--target", "click", "--json", "--redundancy", "--interactions", "2")
    top = out["pairs"][0]
    assert sorted(top["features"]) == ["xor_a", "xor_b"], out["pairs"][:3]
    assert top["log10_q"] < -10
    partners = [r for r in out["redundancy"] if "inf_c1000" in r["features"]]
    assert "copy_of_inf_c1000" in partners[0]["features"]
    assert math.isclose(partners[0]["ami"], 1.0, abs_tol=1e-9)


def test_select_avoids_the_copy_and_takes_the_xor_halves(cardrank_bin, generated):
    # The default (Joint, in target units).
    out = run(cardrank_bin, "select", generated, "--target", "click", "--k", "10", "--json")
    names = [s["feature"] for s in out["selected"]]
    assert len(names) == 10 and out["method"] == "joint"
    assert not ("inf_c1000" in names and "copy_of_inf_c1000" in names), names
    assert "xor_a" in names and "xor_b" in names, names
    # The OutRank paper's 3MR: its score is its formula.
    out = run(cardrank_bin, "select", generated, "--target", "click", "--k", "10", "--method",
              "outrank", "--json")
    names = [s["feature"] for s in out["selected"]]
    assert len(names) == 10 and out["method"] == "3mr"
    assert not ("inf_c1000" in names and "copy_of_inf_c1000" in names), names
    assert "xor_a" in names and "xor_b" in names, names
    for s in out["selected"]:
        want = s["relevance"] - out["alpha"] * s["redundancy"] + out["beta"] * s["synergy"]
        assert math.isclose(s["score"], want, rel_tol=1e-12, abs_tol=1e-15)


def test_pair_budget_and_stdin(cardrank_bin, generated):
    out = run(
        cardrank_bin, "rank", generated, "--target", "click", "--json", "--redundancy", "--max-features", "30", "--max-pairs", "10"
    )
    budget = out["pair_budget"]
    assert budget["pairs_tested"] == 10 and len(budget["pair_features"]) == 5
    assert budget["passes"] == 2
    # The five are the best five by relevance.
    assert budget["pair_features"] == [f["feature"] for f in out["features"][:5]]
    with open(generated, "rb") as fh:
        proc = subprocess.run(
            [str(cardrank_bin), "rank", "-", "--target", "click", "--redundancy", "--max-features", "5"],
            stdin=fh,
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 2
    assert "standard input" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
