"""`cardrank.rank` on pandas, polars and pyarrow inputs, against scikit-learn."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

import cardrank
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)

FEATURES = ["informative", "ints", "int_nulls", "cat", "ids", "str_nulls", "floats", "flags"]


def labels(values: list[Any]) -> np.ndarray:
    """Category labels as sklearn sees them: missing is one more label."""
    return np.array(["<missing>" if v is None else repr(v) for v in values], dtype=object)


def test_columns_are_the_feature_scores_fields(arrow_table: pa.Table) -> None:
    table = cardrank.rank(arrow_table, TARGET)
    assert isinstance(table, pa.Table)
    assert tuple(table.column_names) == cardrank.COLUMNS
    assert cardrank.COLUMNS == (
        "rank", "feature", "cardinality", "missing_share", "entropy", "mi", "expected_mi",
        "ami", "score", "adjusted", "null_sd", "z", "g_test_log10_p", "log10_q", "gain",
    )  # fmt: skip
    assert table.schema.field("rank").type == pa.int64()
    assert table.schema.field("feature").type == pa.string()
    assert table.schema.field("z").nullable
    meta = table.schema.metadata
    assert meta[b"cardrank.target"] == TARGET.encode()
    assert int(meta[b"cardrank.rows"]) == arrow_table.num_rows


def test_measures_equal_sklearn(frame: Any, columns: dict[str, list[Any]]) -> None:
    rows = cardrank.rank(frame, TARGET, output="dict")
    assert sorted(r["feature"] for r in rows) == sorted(FEATURES)
    assert [r["rank"] for r in rows] == list(range(1, len(FEATURES) + 1))
    y = labels(columns[TARGET])
    for r in rows:
        x = labels(columns[r["feature"]])
        assert r["cardinality"] == len(set(x))
        mi = mutual_info_score(y, x)
        assert math.isclose(r["mi"], mi, rel_tol=1e-9, abs_tol=1e-12), (r["feature"], r["mi"], mi)
        ami = adjusted_mutual_info_score(y, x)
        assert math.isclose(r["ami"], ami, rel_tol=1e-7, abs_tol=1e-10), (
            r["feature"],
            r["ami"],
            ami,
        )
        assert r["score"] == r["adjusted"]
        missing = sum(v is None for v in columns[r["feature"]]) / len(y)
        assert r["missing_share"] == pytest.approx(missing)
    # the id-like column has the largest raw MI, but no signal beyond chance
    ids = next(r for r in rows if r["feature"] == "ids")
    assert ids["mi"] == max(r["mi"] for r in rows)
    assert ids["rank"] > rows[0]["rank"]
    assert rows[0]["feature"] in {"informative", "ints", "int_nulls", "cat"}


def test_pandas_polars_pyarrow_agree_exactly(
    pandas_df: pd.DataFrame, polars_df: pl.DataFrame, arrow_table: pa.Table
) -> None:
    results = [cardrank.rank(f, TARGET, output="dict") for f in (pandas_df, polars_df, arrow_table)]
    assert results[0] == results[1] == results[2]


def test_pandas_conversion_on_one_thread_or_many_is_the_same_table() -> None:
    # Below `_THREADED_ROWS` rows pyarrow converts on one thread, from it on
    # its own pool: either way the table pyarrow's default makes.
    from cardrank import _input

    rng = np.random.default_rng(3)
    for rows in (_input._THREADED_ROWS - 1, _input._THREADED_ROWS):
        df = pd.DataFrame(
            {
                "cat": pd.Categorical(rng.integers(0, 50, rows).astype(str)),
                "num": rng.normal(size=rows),
                "text": rng.integers(0, 9, rows).astype(str).astype(object),
            }
        )
        got = _input._pandas_to_arrow(df)
        assert got.equals(pa.Table.from_pandas(df, preserve_index=False))
        assert _input._conversion_threads(df) == (1 if rows < _input._THREADED_ROWS else None)


def test_record_batch_reader_and_c_stream_objects(arrow_table: pa.Table) -> None:
    expected = cardrank.rank(arrow_table, TARGET, output="dict")
    reader = pa.RecordBatchReader.from_batches(arrow_table.schema, arrow_table.to_batches())
    assert cardrank.rank(reader, TARGET, output="dict") == expected

    class Stream:  # any object with __arrow_c_stream__
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            return arrow_table.__arrow_c_stream__(requested_schema)

    assert cardrank.rank(Stream(), TARGET, output="dict") == expected
    batch = arrow_table.combine_chunks().to_batches()[0]
    assert cardrank.rank(batch, TARGET, output="dict") == expected


@pytest.mark.parametrize("output", ["arrow", "pandas", "polars", "dict"])
def test_outputs(arrow_table: pa.Table, output: str) -> None:
    expected = cardrank.rank(arrow_table, TARGET, output="dict")
    got = cardrank.rank(arrow_table, TARGET, output=output)  # type: ignore[arg-type]
    if output == "arrow":
        assert got.to_pylist() == expected
    elif output == "pandas":
        assert isinstance(got, pd.DataFrame)
        assert list(got.columns) == list(cardrank.COLUMNS)
        assert got["feature"].tolist() == [r["feature"] for r in expected]
        assert got["mi"].tolist() == [r["mi"] for r in expected]
        assert got.attrs["target"] == TARGET
    elif output == "polars":
        assert isinstance(got, pl.DataFrame)
        assert got.to_dicts() == expected
    else:
        assert got == expected


def test_score_features_and_exclude(arrow_table: pa.Table) -> None:
    by_mi = cardrank.rank(arrow_table, TARGET, score="mi", output="dict")
    assert by_mi[0]["feature"] == "ids"
    assert [r["score"] for r in by_mi] == [r["mi"] for r in by_mi]
    only = cardrank.rank(arrow_table, TARGET, features=["cat", "ids"], output="dict")
    assert sorted(r["feature"] for r in only) == ["cat", "ids"]
    rest = cardrank.rank(arrow_table, TARGET, exclude=("ids",), output="dict")
    assert "ids" not in {r["feature"] for r in rest} and len(rest) == len(FEATURES) - 1


def test_missing_tokens(tmp_path: Path) -> None:
    table = pa.table({"a": ["?", "", "x", "NA", "x"], "y": ["1", "1", "0", "0", "1"]})
    plain = cardrank.rank(table, "y", output="dict")[0]
    assert plain["cardinality"] == 4 and plain["missing_share"] == pytest.approx(0.2)
    merged = cardrank.rank(table, "y", missing=["", "?", "NA"], output="dict")[0]
    assert merged["cardinality"] == 2 and merged["missing_share"] == pytest.approx(0.6)


def test_threads_one_and_two_agree(arrow_table: pa.Table) -> None:
    one = cardrank.rank(arrow_table, TARGET, threads=1, output="dict")
    two = cardrank.rank(arrow_table, TARGET, threads=2, output="dict")
    assert one == two
    assert cardrank.rank(arrow_table, TARGET, output="dict") == one


def test_threads_from_environment(arrow_table: pa.Table, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDRANK_THREADS", "1")
    one = cardrank.rank(arrow_table, TARGET, output="dict")
    assert one == cardrank.rank(arrow_table, TARGET, threads=2, output="dict")
    monkeypatch.setenv("CARDRANK_THREADS", "lots")
    with pytest.raises(cardrank.InvalidParameterError, match="CARDRANK_THREADS"):
        cardrank.rank(arrow_table, TARGET)


def test_csv_path_is_read_in_rust(tmp_path: Path, columns: dict[str, list[Any]]) -> None:
    # every value as text, missing as the empty field
    text = {k: ["" if v is None else str(v) for v in vs] for k, vs in columns.items()}
    df = pd.DataFrame(text)
    path = tmp_path / "data.csv.gz"
    df.to_csv(path, index=False)
    from_path = cardrank.rank(path, TARGET, output="dict")
    from_str = cardrank.rank(str(path), TARGET, output="dict")
    from_frame = cardrank.rank(pa.table(text), TARGET, output="dict")
    assert from_path == from_str == from_frame


def test_plain_csv_in_parallel_ranges_equals_one_reader(
    tmp_path: Path, columns: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # CARDRANK_CSV_SPLIT_BYTES: 0 reads with one reader, N cuts every N bytes.
    text = {k: ["" if v is None else str(v) for v in vs] for k, vs in columns.items()}
    text["quoted"] = [f"a,{i % 7}" for i in range(len(text[TARGET]))]
    path = tmp_path / "data.csv"
    pd.DataFrame(text).to_csv(path, index=False)
    assert path.stat().st_size > 20 * 700
    monkeypatch.setenv("CARDRANK_CSV_SPLIT_BYTES", "0")
    one = cardrank.rank(path, TARGET, output="dict")
    ranker = cardrank.Ranker(TARGET)
    ranker.update(pa.table(text))
    ranker.update(path)
    twice = ranker.finish(output="dict")
    monkeypatch.setenv("CARDRANK_CSV_SPLIT_BYTES", "700")
    assert cardrank.rank(path, TARGET, output="dict") == one
    ranker = cardrank.Ranker(TARGET)
    ranker.update(pa.table(text))
    ranker.update(path)  # merged into a ranker that has rows
    assert ranker.finish(output="dict") == twice
    # An error in a later range names the line in the file.
    lines = path.read_text().splitlines(keepends=True)
    lines[-20] = "1,2\n"
    path.write_text("".join(lines))
    messages = []
    for size in ["0", "700"]:
        monkeypatch.setenv("CARDRANK_CSV_SPLIT_BYTES", size)
        with pytest.raises(cardrank.InputError, match=f"line {len(lines) - 19} ") as e:
            cardrank.rank(path, TARGET)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def _interrupted(setup: str, call: str, after: str, delay: float, tmp_path: Path) -> list[str]:
    """Runs `setup`, then `call` with a Ctrl-C (`_thread.interrupt_main`)
    after `delay` seconds, in a new interpreter; returns the words it
    printed: "interrupted", the seconds taken, then `after` evaluated.

    Each runs in a new interpreter, so no earlier test can have changed its
    signal handling. The interrupt lands either between two batches (Rust's
    signal check raises it) or while Python code makes a batch (pyarrow
    hands it to Rust as a stream error; `Ranker.update` raises it again):
    both must come out as `KeyboardInterrupt`. A CI run once saw the second
    case come out as `InputError`.
    """
    script = tmp_path / "interrupt.py"
    script.write_text(
        f"""import _thread, os, threading, time
{setup}
timer = threading.Timer({delay}, _thread.interrupt_main)
start = time.monotonic()
timer.start()
try:
    {call}
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted", round(time.monotonic() - start, 3), {after})
finally:
    timer.cancel()
"""
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:1] == ["interrupted"], done.stdout
    assert float(words[1]) < 30
    return words[2:]


def test_keyboard_interrupt_stops_parallel_ranges(tmp_path: Path) -> None:
    setup = f"""
import numpy as np
import cardrank

rng = np.random.default_rng(1)
rows = rng.integers(0, 10**6, (20_000, 3))
chunk = "".join(f"{{a}},{{b}},{{c}},{{a % 2}}\\n" for a, b, c in rows)
path = {str(tmp_path / "big.csv")!r}
# 12M rows (240 MB): over a second of work for the release build on two
# cores, so the interrupt at 0.2 s falls inside the read.
with open(path, "w") as f:
    f.write("a,b,c,y\\n" + chunk * 600)
os.environ["CARDRANK_CSV_SPLIT_BYTES"] = str(1 << 20)
ranker = cardrank.Ranker("y")
"""
    rows = _interrupted(setup, "ranker.update(path)", "ranker.rows", 0.2, tmp_path)
    assert rows == ["0"]  # nothing of an interrupted parallel read is counted


def test_parquet_ipc_and_glob_paths(tmp_path: Path, arrow_table: pa.Table) -> None:
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    expected = cardrank.rank(arrow_table, TARGET, output="dict")
    pq.write_table(arrow_table, tmp_path / "all.parquet", row_group_size=500)
    assert cardrank.rank(tmp_path / "all.parquet", TARGET, output="dict") == expected
    feather.write_feather(arrow_table, tmp_path / "all.arrow", compression="uncompressed")
    assert cardrank.rank(tmp_path / "all.arrow", TARGET, output="dict") == expected
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, arrow_table.num_rows, 1_000)):
        pq.write_table(arrow_table.slice(start, 1_000), parts / f"part-{i}.parquet")
    assert cardrank.rank(str(parts / "*.parquet"), TARGET, output="dict") == expected
    only = cardrank.rank(tmp_path / "all.parquet", TARGET, features=["cat", "ids"], output="dict")
    assert only == cardrank.rank(arrow_table, TARGET, features=["cat", "ids"], output="dict")


def test_real_data_csv_equals_pandas_and_sklearn(shared_data: Path) -> None:
    path = shared_data / "uci_mushroom.csv.gz"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    from_csv = cardrank.rank(path, "class", output="dict")
    assert from_csv == cardrank.rank(df, "class", output="dict")
    y = df["class"].to_numpy()
    for r in from_csv:
        x = df[r["feature"]].to_numpy()
        assert math.isclose(r["mi"], mutual_info_score(y, x), rel_tol=1e-9, abs_tol=1e-12)
        ami = adjusted_mutual_info_score(y, x)
        assert math.isclose(r["ami"], ami, rel_tol=1e-7, abs_tol=1e-10)
    assert from_csv[0]["feature"] == "odor"


def test_same_fields_as_the_cli_json(cardrank_bin: Path, tmp_path: Path) -> None:
    if not cardrank_bin.exists():
        pytest.skip("no cardrank binary")
    path = tmp_path / "d.csv"
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    pd.DataFrame({"a": rng.integers(0, 5, 500) + y, "b": rng.integers(0, 50, 500), "y": y}).to_csv(
        path, index=False
    )
    proc = subprocess.run(
        [str(cardrank_bin), "rank", str(path), "--target", "y", "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    cli = json.loads(proc.stdout)["features"]
    assert cardrank.rank(path, "y", output="dict") == cli


def test_gil_is_released(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    table = pa.table(
        {f"c{i}": rng.integers(0, 50_000, n) for i in range(4)} | {"y": rng.integers(0, 2, n)}
    )
    batch = table.combine_chunks().to_batches()[0]  # one batch: no GIL round trip between batches
    started = threading.Event()

    def work() -> None:
        started.set()
        cardrank.rank(batch, "y", threads=1)

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    count = 0
    while t.is_alive():
        count += 1
    t.join()
    # Holding the GIL for the whole computation would starve this loop.
    assert count > 1_000


def test_keyboard_interrupt_between_batches(tmp_path: Path) -> None:
    setup = """
import numpy as np, pyarrow as pa
import cardrank

rng = np.random.default_rng(0)
n = 20_000
cols = {f"c{i}": rng.integers(0, 1_000, n) for i in range(6)}
part = pa.table(cols | {"y": rng.integers(0, 2, n)})
batch = part.to_batches()[0]

def endless():
    # Only Ctrl-C ends this input, however fast ranking is; should the
    # interrupt be lost, it ends after a minute and the test fails.
    until = time.monotonic() + 60
    while time.monotonic() < until:
        yield batch

reader = pa.RecordBatchReader.from_batches(part.schema, endless())
ranker = cardrank.Ranker("y", threads=1)
"""
    after = 'ranker.rows, ranker.finish(output="dict")[0]["feature"]'
    rows, top = _interrupted(setup, "ranker.update(reader)", after, 0.3, tmp_path)
    # The batches read before the interrupt stay counted.
    assert int(rows) > 0 and int(rows) % 20_000 == 0
    assert top.startswith("c")


def test_misaligned_buffers_are_read_not_crashed_on() -> None:
    # Offsets at an odd address, as after a pickle-5 round trip (Dask).
    good = pa.array(["x", "yy", "zzz", "x"], type=pa.large_string())
    offsets = good.buffers()[1]
    shifted = pa.py_buffer(b"\0" + offsets.to_pybytes()).slice(1)
    bad = pa.Array.from_buffers(pa.large_string(), 4, [None, shifted, good.buffers()[2]])
    assert bad.buffers()[1].address % 8 != 0
    y = pa.array([1, 0, 0, 1])
    want = cardrank.rank(pa.table({"f": good, "y": y}), "y", output="dict")
    for data in [
        pa.table({"f": bad, "y": y}),
        pa.record_batch([bad, y], names=["f", "y"]),
        pa.table({"f": bad, "y": y}).to_pandas(types_mapper=pd.ArrowDtype),
    ]:
        assert cardrank.rank(data, "y", output="dict") == want
