"""cardrank.report: the data-quality report from Python, equal to the CLI's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import cardrank
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)


def _frame(n: int = 6_000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    site = rng.integers(0, 8, n)
    return pd.DataFrame(
        {
            "site": [f"s{v}" for v in site],
            "site_dup": [f"d{3 * v + 1}" for v in site],
            "leak": np.where(rng.random(n) < 0.995, y, 1 - y).astype(str),
            "user_id": [f"u{i}" for i in range(n)],
            "constant": ["x"] * n,
            "sparse": [None if rng.random() < 0.8 else "v" for _ in range(n)],
            "noise": [f"n{v}" for v in rng.integers(0, 5, n)],
            "y": y,
        }
    )


def _flags(quality: dict[str, Any]) -> dict[str, list[str]]:
    return {c["name"]: [f["flag"] for f in c["flags"]] for c in quality["columns"]}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


def test_report_flags_and_files(frame: pd.DataFrame, tmp_path: Path) -> None:
    quality = cardrank.report(frame, "y", tmp_path)
    flags = _flags(quality)
    assert "constant" in flags["constant"]
    assert "id_like" in flags["user_id"]
    assert "mostly_missing" in flags["sparse"]
    assert "label_leak" in flags["leak"]
    assert "duplicate" in flags["site_dup"] or "duplicate" in flags["site"]
    assert flags["noise"] == []
    # Every flag states its threshold and observed value.
    for c in quality["columns"]:
        for f in c["flags"]:
            assert {"threshold", "observed", "figure", "op"} <= f.keys()
    for name in ["quality.json", "quality.tsv", "ranking.json", "ranking.tsv", "report.html"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert json.loads((tmp_path / "quality.json").read_text()) == quality
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") >= 1 + len(frame.columns)  # ranking + one histogram per column
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert (tmp_path / "plots" / "ranking.svg").exists()
    assert (tmp_path / "plots" / "redundancy.svg").exists()
    assert len(quality["unusual_rows"]) == 20
    assert quality["redundancy"]["features"]


def test_report_equals_the_cli(frame: pd.DataFrame, tmp_path: Path, cardrank_bin: Path) -> None:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    cli_dir, py_dir = tmp_path / "cli", tmp_path / "py"
    subprocess.run(
        [str(cardrank_bin), "report", str(path), "--target", "y", "--out", str(cli_dir), "--quiet"],
        check=True, capture_output=True,
    )
    cli = json.loads((cli_dir / "quality.json").read_text())
    py = cardrank.report(path, "y", py_dir)
    cli.pop("seconds"), py.pop("seconds")
    # The CLI's `input` adds its own options (folding); what was read agrees.
    cli_input, py_input = cli.pop("input"), py.pop("input")
    assert {k: cli_input[k] for k in py_input} == py_input
    assert py == cli
    assert (py_dir / "quality.tsv").read_text() == (cli_dir / "quality.tsv").read_text()


def test_report_inputs_agree(frame: pd.DataFrame, tmp_path: Path) -> None:
    table = pa.Table.from_pandas(frame.astype({"y": str}), preserve_index=False)
    a = cardrank.report(table, "y", tmp_path / "a", unusual_rows=5)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1000))
    b = cardrank.report(reader, "y", tmp_path / "b", unusual_rows=5)
    assert a["columns"] == b["columns"]
    assert a["unusual_rows"] == b["unusual_rows"] and len(a["unusual_rows"]) == 5


def test_report_options(frame: pd.DataFrame, tmp_path: Path) -> None:
    q = cardrank.report(
        frame, "y", tmp_path, unusual_rows=0, heatmap=0, top_values=2,
        thresholds={"mostly_missing": 0.9}, exclude=["user_id"],
    )
    assert q["unusual_rows"] == [] and q["redundancy"] is None
    assert "user_id" not in _flags(q)
    assert "mostly_missing" not in _flags(q)["sparse"]
    assert all(len(c["top_values"]) <= 2 for c in q["columns"])
    assert not (tmp_path / "plots" / "redundancy.svg").exists()


def test_report_errors(frame: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(cardrank.MissingTargetError):
        cardrank.report(frame, "nope", tmp_path)
    with pytest.raises(cardrank.InvalidParameterError, match="no_such_flag"):
        cardrank.report(frame, "y", tmp_path, thresholds={"no_such_flag": 1.0})
    with pytest.raises(cardrank.InvalidParameterError, match="unusual_rows"):
        cardrank.report(frame, "y", tmp_path, unusual_rows=-1)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match="cannot write"):
        cardrank.report(frame, "y", blocker / "out")
    with pytest.raises(cardrank.OpenError):
        cardrank.report(tmp_path / "absent.csv", "y", tmp_path)


@pytest.mark.parametrize(
    ("name", "label", "column", "flag"),
    [
        ("uci_mushroom.csv.gz", "class", "veil-type", "constant"),
        ("uci_splice.csv.gz", "Class", "Instance_name", "id_like"),
        ("bank_marketing_10pct.csv.gz", "y", "id", "id_like"),
    ],
)
def test_report_on_real_data(
    shared_data: Path, tmp_path: Path, name: str, label: str, column: str, flag: str
) -> None:
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    q = cardrank.report(path, label, tmp_path, unusual_rows=0)
    assert flag in _flags(q)[column]
