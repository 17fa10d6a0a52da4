"""`cardrank.dask`: ranking a Dask DataFrame on a real two-process cluster
equals `cardrank.rank` in one process, bit for bit, even when a worker dies."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cardrank
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)
from conftest import LABELS, data_file

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import cardrank.dask  # noqa: E402 (after the importorskip of dask)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes of one thread each; the default scheduler while
    the module runs."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=40,
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def generated(seed: int, n: int) -> pd.DataFrame:
    """Mixed dtypes: strings with nulls, nullable ints, floats with NaN,
    categoricals, booleans, an id-like column."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "site": [f"s{v}" for v in rng.integers(0, 40, n) + 3 * y],
            "user": pd.Series(
                [None if rng.random() < 0.05 else f"u{v}" for v in rng.integers(0, 3000, n)],
                dtype=object,
            ),
            "ints": pd.array(
                [None if m else int(v) for v, m in zip(rng.integers(0, 9, n) * (1 + y),
                                                        rng.random(n) < 0.1, strict=True)],
                dtype="Int64",
            ),
            "floats": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n) / 4),
            "color": pd.Categorical([["r", "g", "b", "k"][v] for v in rng.integers(0, 3, n) + y]),
            "flag": rng.random(n) < 0.3 + 0.2 * y,
            "row": np.arange(n),
            "click": y,
        }
    )


def test_many_partitions_equal_one_process(client: Any) -> None:
    df = generated(1, 40_000)
    ddf = dd.from_pandas(df, npartitions=24)
    assert ddf.npartitions == 24
    want = cardrank.rank(df, "click", output="arrow")
    got = cardrank.dask.rank(ddf, "click", output="arrow")
    # every column of the Arrow table, every float bit for bit, and the metadata
    assert got.equals(want, check_metadata=True)
    assert cardrank.dask.rank(ddf, "click", split_every=2, output="dict") == want.to_pylist()


def test_mixed_dtypes_of_the_shared_fixture(client: Any, pandas_df: pd.DataFrame) -> None:
    # a category column, nullable integers, object strings with None, floats,
    # booleans, and a non-default index that must not become a feature
    ddf = dd.from_pandas(pandas_df, npartitions=21)
    want = cardrank.rank(pandas_df, TARGET, output="dict")
    assert cardrank.dask.rank(ddf, TARGET, output="dict") == want
    for score in ("mi", "ami", "z"):
        got = cardrank.dask.rank(ddf, TARGET, score=score, missing=["", "v0"], output="dict")
        assert got == cardrank.rank(pandas_df, TARGET, score=score, missing=["", "v0"],
                                    output="dict")


def _part_with_own_categories(i: int) -> pd.DataFrame:
    """Partition i: categoricals whose categories (and their order, and unused
    entries) differ from partition to partition; ints and floats with nulls."""
    rng = np.random.default_rng(100 + i)
    n = 500 + 37 * i
    y = rng.integers(0, 3, n)
    levels = [f"L{(i + k) % 9}" for k in range(4)]  # each partition its own 4 of 9
    cats = [levels[v] for v in (rng.integers(0, 3, n) + (y > 1))]
    return pd.DataFrame(
        {
            "cat": pd.Categorical(cats, categories=[*reversed(levels), f"unused{i}"]),
            "int_cat": pd.Categorical(rng.integers(0, 4, n) + i % 3),
            "ints": pd.array(
                [None if m else int(v) for v, m in zip(rng.integers(0, 7, n) + y,
                                                        rng.random(n) < 0.15, strict=True)],
                dtype="Int64",
            ),
            "floats": np.where(rng.random(n) < 0.3, np.nan, (rng.integers(0, 6, n) + y) * 1.5),
            "label": pd.Series([["no", "yes", "maybe"][v] for v in y], dtype=object),
        }
    )


def test_categories_differ_between_partitions(client: Any) -> None:
    parts = [_part_with_own_categories(i) for i in range(22)]
    meta = parts[0].iloc[:0].astype({"cat": "category", "int_cat": "category"})
    ddf = dd.from_map(_part_with_own_categories, range(22), meta=meta)
    assert ddf.npartitions == 22
    whole = pd.concat(parts, ignore_index=True)  # categoricals become object here
    want = cardrank.rank(whole, "label", output="dict")
    assert cardrank.dask.rank(ddf, "label", output="dict") == want
    assert cardrank.rank(ddf.compute(), "label", output="dict") == want
    # the unused categories are never counted
    card = {row["feature"]: row["cardinality"] for row in want}
    assert card["cat"] == whole["cat"].nunique()


def test_read_parquet_over_many_files(client: Any, tmp_path: Path) -> None:
    for i in range(20):
        pq.write_table(pa.Table.from_pandas(generated(10 + i, 800), preserve_index=False),
                       tmp_path / f"part-{i:02d}.parquet")
    pattern = str(tmp_path / "*.parquet")
    read_in_rust = cardrank.rank(pattern, "click", output="dict")
    ddf = dd.read_parquet(str(tmp_path))
    assert ddf.npartitions == 20
    assert cardrank.dask.rank(ddf, "click", output="dict") == read_in_rust
    arrow_backed = dd.read_parquet(str(tmp_path), dtype_backend="pyarrow")
    assert cardrank.dask.rank(arrow_backed, "click", output="dict") == read_in_rust
    # features / exclude: only those columns are read
    assert cardrank.dask.rank(ddf, "click", features=["user", "row"], output="dict") == (
        cardrank.rank(pattern, "click", features=["user", "row"], output="dict")
    )
    # (`cardrank.rank(path, exclude=...)` of a file is broken at the time of
    # writing: the reader drops the column, then the ranker cannot find it)
    in_memory = pq.read_table(str(tmp_path))
    assert cardrank.dask.rank(ddf, "click", exclude=["user", "row"], output="dict") == (
        cardrank.rank(in_memory, "click", exclude=["user", "row"], output="dict")
    )


def test_census_income(client: Any) -> None:
    path = data_file("census_income_kdd.csv.gz")
    target = LABELS["census_income_kdd.csv.gz"]
    want = cardrank.rank(path, target)  # read in Rust, every value as text
    ddf = dd.read_csv(path, dtype=str, keep_default_na=False, blocksize=None)
    ddf = ddf.repartition(npartitions=12)
    got = cardrank.dask.rank(ddf, target, output="arrow")
    assert got.num_rows == 41
    assert got.equals(want, check_metadata=True)


def _kill_once(part: pd.DataFrame, marker: str, partition_info: Any = None) -> pd.DataFrame:
    """Kills its own worker process the first time it sees partition 5."""
    if partition_info is not None and partition_info["number"] == 5:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return part  # the retry, on a fresh or the other worker
        os.write(fd, str(os.getpid()).encode())
        os.fsync(fd)
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
    return part


def test_a_worker_killed_mid_run_changes_nothing(client: Any, tmp_path: Path) -> None:
    df = generated(3, 20_000)
    marker = tmp_path / "killed"
    ddf = dd.from_pandas(df, npartitions=12).map_partitions(
        _kill_once, str(marker), meta=df.iloc[:0]
    )
    pids_before = set(client.run(os.getpid).values())
    got = cardrank.dask.rank(ddf, "click", output="dict")
    assert marker.exists(), "the partition function never ran its kill"
    killed = int(marker.read_text())
    assert killed in pids_before
    client.wait_for_workers(2, timeout=60)
    assert killed not in set(client.run(os.getpid).values())  # it really died
    assert got == cardrank.rank(df, "click", output="dict")


def test_state_is_a_mergeable_ranker(client: Any) -> None:
    df = generated(4, 6_000)
    first, second = df.iloc[:4_000], df.iloc[4_000:]
    ranker = cardrank.dask.state(dd.from_pandas(first, npartitions=7), "click", score="ami")
    assert isinstance(ranker, cardrank.Ranker)
    assert ranker.rows == 4_000 and ranker.target == "click"
    ranker.update(second)
    want = cardrank.rank(df, "click", score="ami", output="dict")
    assert ranker.finish(output="dict") == want
    again = cardrank.Ranker.from_bytes(ranker.to_bytes(), score="ami")
    assert again.finish(output="dict") == want


def _never(i: int) -> pd.DataFrame:
    raise AssertionError("a partition was computed")


def test_missing_target_raises_before_any_compute(client: Any) -> None:
    meta = pd.DataFrame({"a": pd.Series([], dtype=object), "y": pd.Series([], dtype="int64")})
    ddf = dd.from_map(_never, range(4), meta=meta)
    with pytest.raises(cardrank.MissingTargetError, match="target column `click` not found"):
        cardrank.dask.rank(ddf, "click")
    with pytest.raises(KeyError):  # also a KeyError, as for cardrank.rank
        cardrank.dask.state(ddf, "click")
    with pytest.raises(cardrank.UnknownColumnError, match="`b` not found"):
        cardrank.dask.rank(ddf, "y", features=["b"])
    with pytest.raises(cardrank.UnknownColumnError, match="`b` not found"):
        cardrank.dask.rank(ddf, "y", exclude=["b"])


def test_empty_data_gives_the_error_of_rank(client: Any) -> None:
    df = generated(5, 1_000)
    with pytest.raises(cardrank.NoRowsError) as single:
        cardrank.rank(df.iloc[:0], "click")
    for ddf in (
        dd.from_pandas(df.iloc[:0], npartitions=1),
        dd.from_pandas(df, npartitions=5).query("row < 0"),  # every partition empty
    ):
        with pytest.raises(cardrank.NoRowsError) as distributed_:
            cardrank.dask.rank(ddf, "click")
        assert str(distributed_.value) == str(single.value)


def test_some_empty_partitions_are_fine(client: Any) -> None:
    df = generated(6, 5_000)
    ddf = dd.from_pandas(df, npartitions=10).query("row < 1200 or row > 4000")
    kept = df.query("row < 1200 or row > 4000")
    assert cardrank.dask.rank(ddf, "click", output="dict") == cardrank.rank(
        kept, "click", output="dict"
    )


def test_bad_arguments() -> None:
    df = generated(7, 100)
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(TypeError, match="dask.dataframe.DataFrame"):
        cardrank.dask.rank(df, "click")
    with pytest.raises(cardrank.InvalidParameterError, match="split_every"):
        cardrank.dask.rank(ddf, "click", split_every=1)
    with pytest.raises(cardrank.InvalidParameterError, match="output"):
        cardrank.dask.rank(ddf, "click", output="xls")  # type: ignore[arg-type]
    with pytest.raises(cardrank.InvalidParameterError, match="score"):
        cardrank.dask.rank(ddf, "click", score="best")  # type: ignore[arg-type]


def test_without_a_cluster_the_local_threads_work() -> None:
    import dask

    df = generated(8, 3_000)
    with dask.config.set(scheduler="threads"):
        got = cardrank.dask.rank(dd.from_pandas(df, npartitions=9), "click", output="dict")
    assert got == cardrank.rank(df, "click", output="dict")


def test_redundancy_and_interactions_equal_one_process(client: Any) -> None:
    rng = np.random.default_rng(11)
    n = 6_000
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    site = rng.integers(0, 9, n)
    df = pd.DataFrame(
        {
            "a": a.astype(str),
            "b": b.astype(str),
            "site": [f"s{v}" for v in site],
            "site_copy": [f"c{v}" for v in site],
            "noise": rng.integers(0, 50, n).astype(str),
            "y": np.where(rng.random(n) < 0.9, a ^ b, site % 2),
        }
    )
    ddf = dd.from_pandas(df, npartitions=13)
    for kwargs in ({}, {"max_features": 3}):
        want = cardrank.redundancy(df, "y", output="dict", **kwargs)
        assert cardrank.dask.redundancy(ddf, "y", output="dict", **kwargs) == want
    want = cardrank.interactions(df, "y", order=3, triple_pairs=2, output="dict")
    got = cardrank.dask.interactions(ddf, "y", order=3, triple_pairs=2, output="dict")
    assert got == want
    assert {got[0]["feature_a"], got[0]["feature_b"]} == {"a", "b"}
    assert any(r["order"] == 3 for r in got)
    merged = cardrank.dask.state(ddf, "y", pairs=["a", "b", "site"])
    whole = cardrank.Ranker("y", pairs=["a", "b", "site"])
    whole.update(df)
    assert merged.interactions() == whole.interactions()


def test_selection_and_given_equal_one_process(client: Any) -> None:
    """The conditional plan's passes, per partition and merged, select and
    rank given features exactly as one process does (issue 16)."""
    rng = np.random.default_rng(12)
    n = 6_000
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    site = rng.integers(0, 9, n)
    df = pd.DataFrame(
        {
            "a": a.astype(str),
            "b": b.astype(str),
            "site": [f"s{v}" for v in site],
            "site_copy": [f"c{v}" for v in site],
            "const": ["k"] * n,
            "noise": rng.integers(0, 50, n).astype(str),
            "y": np.where(rng.random(n) < 0.9, a ^ b, site % 2),
        }
    )
    ddf = dd.from_pandas(df, npartitions=11)
    for kwargs in ({"method": "jmi"}, {"method": "joint", "k": 4}, {"method": "cmim", "k": 4},
                   {"given": ["a"]},
                   {"method": "3mr", "max_features": 3}):
        want = cardrank.select(df, "y", output="dict", **kwargs)
        assert cardrank.dask.select(ddf, "y", output="dict", **kwargs) == want, kwargs
    got = cardrank.dask.select(ddf, "y", 4, output="dict")
    assert {"a", "b"} <= {s["feature"] for s in got} and "const" not in str(got)
    want = cardrank.rank(df, "y", given=["a"], output="dict")
    assert cardrank.dask.rank(ddf, "y", given=["a"], output="dict") == want
    assert want[0]["feature"] == "b"
    # Rankers merged by hand select as one pass too.
    halves = [cardrank.Ranker("y", pairs=list(df.columns[:-1])) for _ in range(2)]
    halves[0].update(df.iloc[: n // 3])
    halves[1].update(df.iloc[n // 3 :])
    whole = cardrank.Ranker("y", pairs=list(df.columns[:-1]))
    whole.update(df)
    halves[0].merge(halves[1])
    assert halves[0].interactions() == whole.interactions()
