"""Shared fixtures of the Python tests: one small categorical data set as
pandas, polars and pyarrow frames, and the project's shared real data sets
(skipped when the folder is absent).

Test modules import the fixtures they use from here. (Not a conftest.py:
tests/cli imports names `from conftest`, which a second conftest module
would shadow whenever tests/python is collected first.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

# Test modules take every fixture with `from cardrank_testdata import *`.
__all__ = [
    "TARGET",
    "arrow_table",
    "columns",
    "frame",
    "pandas_df",
    "polars_df",
    "root",
    "shared_data",
]

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()

N_ROWS = 3_000
TARGET = "y"


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real data sets; skips the test when they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def _columns(seed: int = 7, n: int = N_ROWS) -> dict[str, list[Any]]:
    """Python lists (None for missing) of every column, target included."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    levels = [f"s{i}" for i in range(12)]
    p = np.linspace(1, 3, 12)
    # informative: the level distribution depends on y
    informative = [
        levels[i]
        for i in np.where(y == 1, rng.choice(12, n, p=p / p.sum()), rng.integers(0, 12, n))
    ]
    ints = rng.integers(0, 30, n) + 3 * y
    int_nulls = [None if rng.random() < 0.1 else int(v) for v in rng.integers(-5, 5, n) * (1 + y)]
    cat = [["red", "green", "blue", "teal"][i] for i in (rng.integers(0, 3, n) + y)]
    ids = [f"id{v}" for v in rng.integers(0, 2_000, n)]
    str_nulls = [None if rng.random() < 0.2 else f"v{v}" for v in rng.integers(0, 5, n)]
    floats = [[0.5, 1.25, -3.0][i] for i in rng.integers(0, 3, n)]
    flags = [bool(v) for v in (rng.random(n) < 0.3 + 0.2 * y)]
    return {
        "informative": informative,
        "ints": [int(v) for v in ints],
        "int_nulls": int_nulls,
        "cat": cat,
        "ids": ids,
        "str_nulls": str_nulls,
        "floats": floats,
        "flags": flags,
        TARGET: [int(v) for v in y],
    }


@pytest.fixture(scope="session")
def columns() -> dict[str, list[Any]]:
    """The raw columns (lists, None = missing)."""
    return _columns()


@pytest.fixture(scope="session")
def pandas_df(columns: dict[str, list[Any]]) -> pd.DataFrame:
    """pandas: a `category` column and nullable integers (Int64)."""
    df = pd.DataFrame(
        {
            "informative": pd.Series(columns["informative"], dtype=object),
            "ints": np.asarray(columns["ints"], dtype=np.int64),
            "int_nulls": pd.array(columns["int_nulls"], dtype="Int64"),
            "cat": pd.Categorical(columns["cat"]),
            "ids": columns["ids"],
            "str_nulls": pd.Series(columns["str_nulls"], dtype=object),
            "floats": np.asarray(columns["floats"]),
            "flags": np.asarray(columns["flags"]),
            TARGET: np.asarray(columns[TARGET], dtype=np.int64),
        }
    )
    # a filtered frame has a non-default index, which must not become a feature
    return df.set_index(pd.RangeIndex(10, 10 + len(df)) * 3)


@pytest.fixture(scope="session")
def polars_df(columns: dict[str, list[Any]]) -> pl.DataFrame:
    """polars: a Categorical column; strings arrive as Utf8View."""
    return pl.DataFrame(
        {
            "informative": columns["informative"],
            "ints": pl.Series(columns["ints"], dtype=pl.Int64),
            "int_nulls": pl.Series(columns["int_nulls"], dtype=pl.Int64),
            "cat": pl.Series(columns["cat"], dtype=pl.Categorical),
            "ids": columns["ids"],
            "str_nulls": columns["str_nulls"],
            "floats": columns["floats"],
            "flags": columns["flags"],
            TARGET: pl.Series(columns[TARGET], dtype=pl.Int64),
        }
    )


@pytest.fixture(scope="session")
def arrow_table(columns: dict[str, list[Any]]) -> pa.Table:
    """pyarrow: a dictionary column, several record batches."""
    table = pa.table(
        {
            "informative": pa.array(columns["informative"], pa.string()),
            "ints": pa.array(columns["ints"], pa.int64()),
            "int_nulls": pa.array(columns["int_nulls"], pa.int64()),
            "cat": pa.array(columns["cat"], pa.string()).dictionary_encode(),
            "ids": pa.array(columns["ids"], pa.large_string()),
            "str_nulls": pa.array(columns["str_nulls"], pa.string()),
            "floats": pa.array(columns["floats"], pa.float64()),
            "flags": pa.array(columns["flags"], pa.bool_()),
            TARGET: pa.array(columns[TARGET], pa.int64()),
        }
    )
    return pa.Table.from_batches(table.to_batches(max_chunksize=700))


@pytest.fixture(params=["pandas", "polars", "pyarrow"])
def frame(request: pytest.FixtureRequest) -> Any:
    """The same data as each of the three frame types."""
    return request.getfixturevalue(
        {"pandas": "pandas_df", "polars": "polars_df", "pyarrow": "arrow_table"}[request.param]
    )
