"""`cardrank report` on the real data sets: the known problems are flagged,
the figures agree with pandas/numpy, and the HTML page is self-contained.

The report's default missing tokens are the empty field and `?` (the census
migration columns and mushroom's stalk-root use `?`).
"""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import LABELS, data_file


def run_report(cardrank_bin, path, target, out, *extra):
    proc = subprocess.run(
        [str(cardrank_bin), "report", str(path), "--target", target, "--out", str(out), "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out / "quality.json", encoding="utf-8") as f:
        return json.load(f)


def flags_of(report, column):
    col = next(c for c in report["columns"] if c["name"] == column)
    return [f["flag"] for f in col["flags"]]


EXPECTED = [
    ("uci_mushroom.csv.gz", "veil-type", "constant"),
    ("uci_splice.csv.gz", "Instance_name", "id_like"),
    ("bank_marketing_10pct.csv.gz", "id", "id_like"),
    ("census_income_kdd.csv.gz", "instance_weight", "id_like"),
    ("census_income_kdd.csv.gz", "migration_code_change_in_msa", "mostly_missing"),
    ("census_income_kdd.csv.gz", "migration_code_change_in_reg", "mostly_missing"),
    ("census_income_kdd.csv.gz", "migration_code_move_within_reg", "mostly_missing"),
    ("census_income_kdd.csv.gz", "migration_prev_res_in_sunbelt", "mostly_missing"),
    ("adult.csv.gz", "fnlwgt", "id_like"),
    ("adult.csv.gz", "education_num", "duplicate"),
]

_cache: dict[str, dict] = {}


def report_of(cardrank_bin, tmp_path_factory, name):
    if name not in _cache:
        path = data_file(name)
        out = tmp_path_factory.mktemp(name.split(".")[0])
        _cache[name] = run_report(cardrank_bin, path, LABELS[name], out)
        _cache[name]["_out"] = str(out)
    return _cache[name]


@pytest.mark.parametrize("name,column,flag", EXPECTED)
def test_known_problems_are_flagged(cardrank_bin, tmp_path_factory, name, column, flag):
    report = report_of(cardrank_bin, tmp_path_factory, name)
    assert flag in flags_of(report, column), (column, flags_of(report, column))


def test_census_flags_nothing_else_as_missing_or_id(cardrank_bin, tmp_path_factory):
    report = report_of(cardrank_bin, tmp_path_factory, "census_income_kdd.csv.gz")
    mostly = {c["name"] for c in report["columns"] if "mostly_missing" in flags_of(report, c["name"])}
    assert mostly == {n for (_, n, f) in EXPECTED if f == "mostly_missing"}
    ids = {c["name"] for c in report["columns"] if "id_like" in flags_of(report, c["name"])}
    assert ids == {"instance_weight"}
    col = next(c for c in report["columns"] if c["name"] == "migration_code_change_in_msa")
    assert col["missing"] == 149642
    assert math.isclose(col["missing_share"], 149642 / 299285, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["adult.csv.gz", "bank_marketing_10pct.csv.gz", "uci_mushroom.csv.gz"])
def test_figures_equal_pandas(cardrank_bin, tmp_path_factory, name):
    report = report_of(cardrank_bin, tmp_path_factory, name)
    df = pd.read_csv(data_file(name), dtype=str, keep_default_na=False, na_filter=False)
    n = len(df)
    assert report["rows"] == n
    for col in report["columns"]:
        x = df[col["name"]]
        present = x[(x != "") & (x != "?")]
        assert col["missing"] == n - len(present), col["name"]
        counts = present.value_counts()
        assert col["distinct"] == len(counts), col["name"]
        assert col["distinct_exact"]
        assert col["singletons"] == int((counts == 1).sum()), col["name"]
        all_counts = x.where((x != "") & (x != "?"), "<missing>").value_counts()
        p = all_counts.to_numpy() / n
        assert math.isclose(col["entropy"], float(-(p * np.log(p)).sum()), rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(col["top_share"], all_counts.iloc[0] / n, rel_tol=1e-12)
        nbytes = present.str.encode("utf-8").str.len().sum()
        assert math.isclose(col["bytes_per_value"], nbytes / n, rel_tol=1e-12), col["name"]
        nums = pd.to_numeric(present.str.strip(), errors="coerce").dropna()
        nums = nums[np.isfinite(nums)]
        if col["numeric"] is not None:
            assert col["numeric"]["rows"] == len(nums)
            assert math.isclose(col["numeric"]["mean"], nums.mean(), rel_tol=1e-12)
            for q in col["numeric"]["quantiles"]:
                assert math.isclose(q["value"], float(np.quantile(nums, q["q"])), rel_tol=1e-12, abs_tol=1e-12)
        else:
            assert len(nums) * 2 < len(present)


def test_report_html_is_self_contained(cardrank_bin, tmp_path_factory):
    report = report_of(cardrank_bin, tmp_path_factory, "adult.csv.gz")
    html = open(f"{report['_out']}/report.html", encoding="utf-8").read()
    assert html.startswith("<!DOCTYPE html>")
    for bad in ("src=", "href=", "<script", "url("):
        assert bad not in html
    # The ranking, the heatmap and one histogram per column.
    assert html.count("<svg") == 2 + len(report["columns"])
