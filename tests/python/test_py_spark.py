"""The PySpark recipe of docs/distributed.md: `mapInArrow` turns each
partition into state bytes, the driver merges them; the ranking equals
`cardrank.rank` in one process, bit for bit.

pyspark is not in requirements-dev.txt (too big for CI): this module skips
unless pyspark and a Java runtime are installed."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import cardrank

pyspark_sql = pytest.importorskip("pyspark.sql")
if shutil.which("java") is None:
    pytest.skip("pyspark needs a Java runtime", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # The Python workers run this interpreter (this venv, with cardrank), not
    # the first `python3` on PATH.
    saved = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("cardrank-test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        if saved is None:
            del os.environ["PYSPARK_PYTHON"]
        else:
            os.environ["PYSPARK_PYTHON"] = saved


def generated(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "site": [f"s{v}" for v in rng.integers(0, 40, n) + 3 * y],
            "user": [None if rng.random() < 0.05 else f"u{v}" for v in rng.integers(0, 3000, n)],
            "ints": pd.array(
                [None if rng.random() < 0.1 else int(v) for v in rng.integers(0, 9, n) * (1 + y)],
                dtype="Int64",
            ),
            "floats": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n) / 4),
            "flag": rng.random(n) < 0.3 + 0.2 * y,
            "click": y,
        }
    )


def spark_rank(sdf: Any, target: str) -> Any:
    """The recipe, as in docs/distributed.md."""

    def states(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        ranker = cardrank.Ranker(target)
        for batch in batches:
            ranker.update(batch)
        yield pa.record_batch({"state": pa.array([ranker.to_bytes()], pa.binary())})

    total = cardrank.Ranker(target)
    for row in sdf.mapInArrow(states, "state binary").toLocalIterator():
        total.merge(cardrank.Ranker.from_bytes(bytes(row.state)))
    return total


def spark_tree_rank(sdf: Any, target: str) -> Any:
    """The tree variant of the recipe: states merge on the executors."""

    def states(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        ranker = cardrank.Ranker(target)
        for batch in batches:
            ranker.update(batch)
        yield pa.record_batch({"state": pa.array([ranker.to_bytes()], pa.binary())})

    def merge_bytes(a: bytes, b: bytes) -> bytes:
        ranker = cardrank.Ranker.from_bytes(a)
        ranker.merge(cardrank.Ranker.from_bytes(b))
        return ranker.to_bytes()

    rdd = sdf.mapInArrow(states, "state binary").rdd.map(lambda r: bytes(r.state))
    return cardrank.Ranker.from_bytes(rdd.treeReduce(merge_bytes, depth=2))


def test_map_in_arrow_states_merge_exactly(spark: Any) -> None:
    df = generated(1, 30_000)
    sdf = spark.createDataFrame(df).repartition(16)
    assert sdf.rdd.getNumPartitions() == 16
    total = spark_rank(sdf, "click")
    assert total.rows == len(df)
    # Spark turns NaN into null when it reads pandas, as pyarrow does.
    want = cardrank.rank(df, "click", output="dict")
    assert total.finish(output="dict") == want
    assert spark_tree_rank(sdf, "click").finish(output="dict") == want
