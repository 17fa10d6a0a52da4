"""Hostile and mistaken input from Python (issue 17, points 7, 8, 10, 13, 14):
threads sharing a ranker, malformed Arrow arrays, odd dtypes, missing
targets, and errors that say what to do."""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import cardrank
from cardrank import exceptions as E


def _frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({
        "site": np.where(rng.random(n) < 0.7, y, rng.integers(0, 2, n)).astype(str),
        "noise": rng.integers(0, 50, n).astype(str),
        "y": y,
    })


# --- point 7: one ranker, many threads ---------------------------------------


def test_threads_updating_one_ranker_count_every_row_once() -> None:
    df = _frame(4000)
    parts = [pa.Table.from_pandas(df.iloc[i::8], preserve_index=False) for i in range(8)]
    r = cardrank.Ranker("y", threads=1)
    errors: list[BaseException] = []

    def work(mine: list[pa.Table]) -> None:
        try:
            for _ in range(5):
                for t in mine:
                    r.update(t)
        except BaseException as e:  # noqa: BLE001 (collected and re-raised below)
            errors.append(e)

    threads = [threading.Thread(target=work, args=(parts[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert r.rows == 5 * len(df)
    one = cardrank.Ranker("y", threads=1)
    for _ in range(5):
        one.update(df)
    assert r.finish(output="dict") == one.finish(output="dict")


def test_merge_with_itself_during_updates_is_defined() -> None:
    df = _frame(3000)
    r = cardrank.Ranker("y", threads=1)
    r.update(df)
    stop = threading.Event()
    errors: list[BaseException] = []

    def updates() -> None:
        try:
            while not stop.is_set():
                r.update(df)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=updates)
    t.start()
    try:
        for _ in range(20):
            r.merge(r)  # never a panic: waits for the update, then doubles
            assert r.rows % len(df) == 0
    finally:
        stop.set()
        t.join()
    assert errors == []
    # Alone, a self-merge doubles every count exactly.
    s = cardrank.Ranker("y", threads=1)
    s.update(df)
    s.merge(s)
    twice = cardrank.Ranker("y", threads=1)
    twice.update(df)
    twice.update(df)
    assert s.rows == 2 * len(df)
    assert s.finish(output="dict") == twice.finish(output="dict")


def test_crossed_merges_do_not_deadlock() -> None:
    df = _frame(1000)
    a, b = cardrank.Ranker("y", threads=1), cardrank.Ranker("y", threads=1)
    a.update(df)
    b.update(df)
    barrier = threading.Barrier(2)

    def merge(x: cardrank.Ranker, y: cardrank.Ranker) -> None:
        barrier.wait()
        for _ in range(3):
            x.merge(y)

    t1 = threading.Thread(target=merge, args=(a, b))
    t2 = threading.Thread(target=merge, args=(b, a))
    t1.start()
    t2.start()
    t1.join(60)
    t2.join(60)
    assert not t1.is_alive() and not t2.is_alive(), "merge(a, b) and merge(b, a) deadlocked"
    assert a.rows > len(df) and b.rows > len(df)


# --- point 8: malformed Arrow arrays -----------------------------------------


def _bad_strings(offsets: list[int], data: bytes) -> pa.Array:
    return pa.Array.from_buffers(
        pa.string(), len(offsets) - 1,
        [None, pa.py_buffer(np.array(offsets, dtype=np.int32).tobytes()), pa.py_buffer(data)],
    )


_SUBPROCESS = """
import sys
import numpy as np, pyarrow as pa, cardrank
offsets = {"past": [0, 1, 2, 1 << 30], "negative": [0, -(1 << 30), 2, 3],
           "decreasing": [0, 3, 1, 3]}[sys.argv[1]]
# A valid table over a numpy offsets buffer, then the offsets changed in
# place (pyarrow >= 26 checks the buffers when it builds arrays and tables).
raw = np.array([0, 1, 2, 3], dtype=np.int32)
col = pa.Array.from_buffers(pa.string(), 3, [None, pa.py_buffer(raw), pa.py_buffer(b"abc")])
t = pa.table({"x": col, "y": pa.array([1, 0, 1])})
raw[:] = offsets
for kind in ("table", "batch", "reader"):
    data = {"table": t, "batch": t.to_batches()[0],
            "reader": pa.RecordBatchReader.from_batches(t.schema, t.to_batches())}[kind]
    try:
        cardrank.rank(data, "y")
    except cardrank.InputError as e:
        print(kind, type(e).__name__, str(e).splitlines()[0])
    else:
        print(kind, "ranked")
"""


@pytest.mark.parametrize("case", ["past", "negative", "decreasing"])
def test_bad_string_offsets_raise_and_never_crash(case: str) -> None:
    # In a fresh interpreter: before the fix, some of these segfaulted.
    run = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS, case], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert len(lines) == 3, run.stdout
    for line in lines:
        kind, cls = line.split()[:2]
        # A reader's batches are checked as they are read; the check's
        # error crosses the C stream as a message and is raised again as
        # itself, not as an InputError.
        assert cls == "InvalidArrayError", line
        assert "offset" in line.lower(), line


def test_dictionary_key_out_of_range_is_an_error() -> None:
    keys = pa.array([0, 1, 7, 1], type=pa.int32())
    bad = pa.DictionaryArray.from_buffers(
        pa.dictionary(pa.int32(), pa.string()), 4, [None, keys.buffers()[1]],
        dictionary=pa.array(["a", "b"]),
    )
    table = pa.table({"x": bad, "y": [1, 0, 1, 0]})
    with pytest.raises(E.InvalidArrayError, match="x"):
        cardrank.rank(table, "y")
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    with pytest.raises(E.InvalidArrayError, match="dictionary|out of bounds|key"):
        cardrank.rank(reader, "y")


def test_valid_arrays_still_rank() -> None:
    good = pa.table({"x": _bad_strings([0, 1, 2, 3], b"abc"), "y": [1, 0, 1]})
    assert cardrank.rank(good, "y", output="dict")[0]["cardinality"] == 3


# --- point 10: null dtype, duplicate names ------------------------------------


def test_polars_null_column_ranks_as_all_missing() -> None:
    df = pl.DataFrame({"site": ["a", "b", "a", "b"], "empty": [None] * 4, "y": [1, 0, 1, 0]})
    assert df.schema["empty"] == pl.Null
    by_name = {f["feature"]: f for f in cardrank.rank(df, "y", output="dict")}
    assert by_name["empty"]["missing_share"] == 1.0
    assert by_name["empty"]["cardinality"] == 1
    table = pa.table({"site": ["a", "b", "a", "b"], "empty": pa.nulls(4), "y": [1, 0, 1, 0]})
    assert cardrank.rank(table, "y", output="dict") == cardrank.rank(df, "y", output="dict")


def test_duplicate_column_names_are_an_error() -> None:
    pdf = pd.DataFrame([[1, 2, 0], [3, 4, 1]], columns=["a", "a", "y"])
    with pytest.raises(E.DuplicateColumnError, match="`a`"):
        cardrank.rank(pdf, "y")
    table = pa.Table.from_arrays(
        [pa.array(["u", "v"]), pa.array(["u", "w"]), pa.array([0, 1])], names=["a", "a", "y"]
    )
    with pytest.raises(E.DuplicateColumnError, match="`a`"):
        cardrank.rank(table, "y")
    with pytest.raises(E.DuplicateColumnError):
        cardrank.Ranker("y").update(table.to_batches()[0])


# --- point 13: missing targets, integral floats -------------------------------


def test_a_missing_target_is_an_error_or_dropped_with_the_count() -> None:
    df = _frame(1000)
    df["y"] = df["y"].astype(float)
    df.loc[[3, 10, 500], "y"] = np.nan
    with pytest.raises(E.MissingTargetValueError, match="3 of 1000 rows"):
        cardrank.rank(df, "y")
    assert issubclass(E.MissingTargetValueError, E.InputError)
    got = cardrank.rank(df, "y", drop_missing_target=True, output="pandas")
    assert got.attrs["dropped_missing_target"] == 3
    assert got.attrs["rows"] == 997 and got.attrs["classes"] == 2
    clean = cardrank.rank(df.dropna(subset=["y"]), "y", output="pandas")
    assert clean.attrs["dropped_missing_target"] == 0
    # every column equal (NaN == NaN: the `gain` column is null unless asked for)
    pd.testing.assert_frame_equal(got, clean)
    # Missing tokens and polars NaN (not null) count too.
    pl_df = pl.DataFrame({"x": ["a", "b", "a", "c"], "y": [1.0, float("nan"), 0.0, None]})
    with pytest.raises(E.MissingTargetValueError, match="2 of 4 rows"):
        cardrank.rank(pl_df, "y")
    r = cardrank.Ranker("y", missing=["", "?"], drop_missing_target=True)
    r.update(pa.table({"x": ["a", "b", "c", "a"], "y": ["1", "?", "0", "1"]}))
    assert (r.rows, r.missing_target_rows) == (3, 1)
    assert pa.table(r.finish()).schema.metadata[b"cardrank.dropped_missing_target"] == b"1"


def test_integral_floats_of_a_streamed_int_column_are_one_category() -> None:
    # pandas reads an int column as float64 in a chunk with a NaN: 1.0 and 1
    # must be the same category.
    n = 600
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"code": rng.integers(0, 6, n), "y": rng.integers(0, 2, n)})
    chunks = [df.iloc[i:i + 100].copy() for i in range(0, n, 100)]
    chunks[2]["code"] = chunks[2]["code"].astype("float64")
    chunks[2].iloc[5, 0] = np.nan
    assert chunks[2]["code"].dtype == np.float64
    r = cardrank.Ranker("y")
    for c in chunks:
        r.update(c)
    code = r.finish(output="dict")[0]
    assert code["cardinality"] == 7  # 6 values and the missing one


# --- point 14: errors that say what to do --------------------------------------


def test_a_target_given_as_a_number_says_to_pass_a_name() -> None:
    df = _frame(50)
    for call in (
        lambda: cardrank.rank(df, 2),
        lambda: cardrank.Ranker(2),
        lambda: cardrank.select(df, 2, 1),
        lambda: cardrank.report(df, 2, "unused"),
    ):
        with pytest.raises(E.ArgumentTypeError, match=r"column name \(str\), not int 2"):
            call()
    assert issubclass(E.ArgumentTypeError, TypeError)


@pytest.mark.parametrize("series", [
    lambda df: df["site"], lambda df: pl.from_pandas(df)["site"], lambda df: pa.array(df["site"]),
])
def test_a_single_column_says_to_pass_a_frame(series) -> None:
    with pytest.raises(E.ArgumentTypeError, match="DataFrame|table"):
        cardrank.rank(series(_frame(50)), "y")


def test_report_into_a_file_is_a_write_error(tmp_path) -> None:
    path = tmp_path / "taken"
    path.write_text("x")
    with pytest.raises(E.WriteError) as info:
        cardrank.report(_frame(200), "y", path)
    assert isinstance(info.value, OSError)


def test_report_of_a_frame_names_the_frame(tmp_path) -> None:
    cardrank.report(_frame(200), "y", tmp_path / "r")
    html = (tmp_path / "r" / "report.html").read_text()
    assert "&lt;arrow&gt;" not in html and "<arrow>" not in html
    assert "in-memory pandas DataFrame (200 rows x 3 columns)" in html


def test_k_beyond_the_features_warns() -> None:
    df = _frame(300)
    with pytest.warns(UserWarning, match="k=5 is greater than the number of features"):
        got = cardrank.select(df, "y", 5, output="dict")
    assert len(got) <= 2
    from cardrank.sklearn import CardinalitySelector

    with pytest.warns(UserWarning, match="k=5 is greater than n_features=2"):
        CardinalitySelector(k=5).fit(df[["site", "noise"]], df["y"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CardinalitySelector(k=2).fit(df[["site", "noise"]], df["y"])
        cardrank.select(df, "y", 2, output="dict")


def test_excluding_the_target_is_an_error() -> None:
    with pytest.raises(E.InvalidParameterError, match="exclude.*target"):
        cardrank.rank(_frame(50), "y", exclude=["y"])

