"""The run layer from Python: every read option of the CLI works from Python
with the same result as the CLI on the same file; `cardrank.compare` equals
`cardrank compare`; the console script and `python -m cardrank` print what
the Rust binary prints."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cardrank

FIELDS = ["rank", "feature", "cardinality", "mi", "expected_mi", "adjusted", "score"]


def cli_features(cardrank_bin: Path, *args: str) -> list[dict[str, Any]]:
    out = subprocess.run([str(cardrank_bin), *args, "--json", "--quiet"], capture_output=True,
                         text=True, check=True)
    return [{k: f[k] for k in FIELDS} for f in json.loads(out.stdout)["features"]]


def py_features(path: Path, target: str, **options: Any) -> list[dict[str, Any]]:
    rows = cardrank.rank(path, target, output="dict", **options)
    return [{k: r[k] for k in FIELDS} for r in rows]


@pytest.fixture(scope="module")
def frame_rows() -> list[tuple[str, ...]]:
    """y depends on a, num (numbers) and tags (several per row); id is noise."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(3000):
        y = int(rng.random() < 0.3)
        a = f"a{int(rng.integers(0, 6)) + 3 * y}"
        num = f"{float(rng.normal(10 + 5 * y, 4)):.3f}"
        tags = ";".join(sorted({f"t{int(t)}" for t in rng.integers(0, 8, 1 + y)}))
        rows.append((a, num, tags, f"id{i}", str(y)))
    return rows


@pytest.fixture(scope="module")
def semicolon_csv(tmp_path_factory: pytest.TempPathFactory,
                  frame_rows: list[tuple[str, ...]]) -> Path:
    path = tmp_path_factory.mktemp("run") / "data.txt"  # no extension: CSV by default
    lines = ["a|num|tags|id|y"] + ["|".join(r) for r in frame_rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def tsv_gz(tmp_path_factory: pytest.TempPathFactory, frame_rows: list[tuple[str, ...]]) -> Path:
    path = tmp_path_factory.mktemp("run") / "data.bin"  # no extension: tab by --format only
    body = "\n".join(["a\tnum\ttags\tid\ty"] + ["\t".join(r) for r in frame_rows]) + "\n"
    path.write_bytes(gzip.compress(body.encode()))
    return path


@pytest.fixture(scope="module")
def vw_file(tmp_path_factory: pytest.TempPathFactory, frame_rows: list[tuple[str, ...]]) -> Path:
    path = tmp_path_factory.mktemp("run") / "data.vw"
    lines = [f"{r[4]} |s {r[0]} |t {r[2].replace(';', ' ')}" for r in frame_rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_delimiter(cardrank_bin: Path, semicolon_csv: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|")
    assert py_features(semicolon_csv, "y", delimiter="|") == want
    assert {f["feature"] for f in want} == {"a", "num", "tags", "id"}


def test_format_tsv(cardrank_bin: Path, tsv_gz: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(tsv_gz), "--target", "y", "--format", "tsv")
    assert py_features(tsv_gz, "y", format="tsv") == want
    assert len(want) == 4


@pytest.mark.parametrize("mode", ["quantile:4", "log", "log:10"])
def test_numeric(cardrank_bin: Path, semicolon_csv: Path, mode: str) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|", "--numeric", mode)
    got = py_features(semicolon_csv, "y", delimiter="|", numeric=mode)
    assert got == want
    plain = py_features(semicolon_csv, "y", delimiter="|")
    card = {f["feature"]: f["cardinality"] for f in got}
    assert card["num"] < {f["feature"]: f["cardinality"] for f in plain}["num"]


def test_multivalue(cardrank_bin: Path, semicolon_csv: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|", "--multivalue", "tags:;")
    got = py_features(semicolon_csv, "y", delimiter="|", multivalue=["tags:;"])
    assert got == want
    assert {f["feature"]: f["cardinality"] for f in got}["tags"] == 8


def test_sample_rate_and_seed(cardrank_bin: Path, semicolon_csv: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|", "--sample-rate", "0.3", "--seed", "7")
    got = py_features(semicolon_csv, "y", delimiter="|", sample_rate=0.3, seed=7)
    assert got == want
    other = py_features(semicolon_csv, "y", delimiter="|", sample_rate=0.3, seed=8)
    assert other != got


def test_max_distinct(cardrank_bin: Path, semicolon_csv: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|", "--max-distinct", "50")
    got = py_features(semicolon_csv, "y", delimiter="|", max_distinct=50)
    assert got == want
    assert {f["feature"]: f["cardinality"] for f in got}["id"] <= 52


def test_skip_bad_rows(cardrank_bin: Path, semicolon_csv: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    lines = semicolon_csv.read_text().splitlines()
    lines.insert(10, "only|three|fields")
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(cardrank.RaggedRowError):
        cardrank.rank(bad, "y", delimiter="|")
    want = cli_features(cardrank_bin, "rank", str(bad), "--target", "y", "--delimiter", "|",
                        "--skip-bad-rows")
    assert py_features(bad, "y", delimiter="|", skip_bad_rows=True) == want


def test_vw_namespaces(cardrank_bin: Path, vw_file: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(vw_file), "--target", "y",
                        "--vw-namespaces", "s=site,t=tags")
    got = py_features(vw_file, "y", vw_namespaces="s=site,t=tags")
    assert got == want
    assert {f["feature"] for f in got} == {"site", "tags"}


def test_batch_size(cardrank_bin: Path, semicolon_csv: Path) -> None:
    want = cli_features(cardrank_bin, "rank", str(semicolon_csv), "--target", "y",
                        "--delimiter", "|", "--batch-size", "7")
    assert py_features(semicolon_csv, "y", delimiter="|", batch_size=7) == want


def test_read_options_reach_pairs_and_report(semicolon_csv: Path, tmp_path: Path) -> None:
    red = cardrank.redundancy(semicolon_csv, "y", delimiter="|", output="dict")
    assert {r["feature_a"] for r in red} | {r["feature_b"] for r in red} == {
        "a", "num", "tags", "id"}
    q = cardrank.report(semicolon_csv, "y", tmp_path / "rep", delimiter="|")
    assert {c["name"] for c in q["columns"]} >= {"a", "num", "tags", "id", "y"}


def test_read_options_are_refused_for_data_in_memory() -> None:
    import pyarrow as pa

    table = pa.table({"a": ["x", "y"] * 5, "y": ["0", "1"] * 5})
    with pytest.raises(cardrank.InvalidParameterError, match="file paths"):
        cardrank.rank(table, "y", delimiter=";")
    with pytest.raises(TypeError, match="read options"):
        cardrank.rank(table, "y", delimter=";")  # misspelt
    # max_distinct is a ranking parameter: fine in memory
    assert cardrank.rank(table, "y", max_distinct=1, output="dict")[0]["feature"] == "a"


def test_bad_option_values_name_the_option(semicolon_csv: Path) -> None:
    with pytest.raises(cardrank.InvalidOptionError, match="delimiter"):
        cardrank.rank(semicolon_csv, "y", delimiter="||")
    with pytest.raises(cardrank.InvalidOptionError, match="multivalue"):
        cardrank.rank(semicolon_csv, "y", delimiter="|", multivalue=["tags"])


# --- compare -------------------------------------------------------------------------


def test_compare_equals_the_cli(cardrank_bin: Path, semicolon_csv: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path, extra in ((a, []), (b, ["--sample-rate", "0.5", "--score", "ami"])):
        out = subprocess.run([str(cardrank_bin), "rank", str(semicolon_csv), "--target", "y",
                              "--delimiter", "|", "--json", "--quiet", *extra],
                             capture_output=True, text=True, check=True)
        path.write_text(out.stdout)
    cli = subprocess.run([str(cardrank_bin), "compare", str(a), str(b), "--json", "--p", "0.8",
                          "--top", "3"], capture_output=True, text=True, check=True)
    want = json.loads(cli.stdout)
    assert cardrank.compare(a, b, p=0.8, top=3) == want
    # rankings in memory give the same figures, named A and B
    ta = cardrank.rank(semicolon_csv, "y", delimiter="|")
    tb = cardrank.rank(semicolon_csv, "y", delimiter="|", sample_rate=0.5, score="ami")
    got = cardrank.compare(ta.to_pandas(), tb, p=0.8, top=3)
    assert (got["a"], got["b"]) == ("A", "B")
    assert {k: v for k, v in got.items() if k not in ("a", "b")} == {
        k: v for k, v in want.items() if k not in ("a", "b")}
    assert cardrank.compare(ta, ta)["rbo"] == 1.0
    with pytest.raises(cardrank.InvalidParameterError, match="p"):
        cardrank.compare(ta, tb, p=1.5)


# --- the command line through Python -------------------------------------------------


def _without_seconds(text: str) -> Any:
    out = json.loads(text)
    out.pop("seconds", None)
    return out


def test_python_m_cardrank_equals_the_binary(cardrank_bin: Path, semicolon_csv: Path) -> None:
    args = ["rank", str(semicolon_csv), "--target", "y", "--delimiter", "|", "--json"]
    rust = subprocess.run([str(cardrank_bin), *args], capture_output=True, text=True, check=True)
    py = subprocess.run([sys.executable, "-m", "cardrank", *args], capture_output=True, text=True)
    assert py.returncode == 0, py.stderr
    assert _without_seconds(py.stdout) == _without_seconds(rust.stdout)
    # usage errors: the same exit code and message
    bad = ["rank", str(semicolon_csv), "--target", "nope", "--delimiter", "|"]
    rust = subprocess.run([str(cardrank_bin), *bad], capture_output=True, text=True)
    py = subprocess.run([sys.executable, "-m", "cardrank", *bad], capture_output=True, text=True)
    assert (py.returncode, py.stderr) == (rust.returncode, rust.stderr) == (2, rust.stderr)
    assert rust.stderr.startswith("error: ")
    helped = subprocess.run([sys.executable, "-m", "cardrank", "--help"], capture_output=True,
                            text=True)
    assert helped.returncode == 0 and "rank" in helped.stdout and "compare" in helped.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "cardrank"
    if not script.exists():
        found = shutil.which("cardrank", path=os.environ.get("PATH"))
        if found is None:
            pytest.skip("the console script is installed by `pip install`, not by an import path")
        script = Path(found)
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("cardrank ")
