"""The package as a user imports it: lazy submodules, the command line through
Python, and errors that name what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_fresh(code: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a new interpreter, so no earlier import hides a bug."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_lazy_attributes_are_their_own_modules() -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("dask.dataframe")
    out = run_fresh(
        """
        import cardrank
        print(cardrank.dask.__name__)
        print(cardrank.sklearn.__name__)
        print(hasattr(cardrank.dask, "state"), hasattr(cardrank.sklearn, "CardinalitySelector"))
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["cardrank.dask", "cardrank.sklearn", "True", "True"]


def test_dask_rank_after_plain_import_runs_on_the_cluster() -> None:
    """`import cardrank` alone, then `cardrank.dask.rank` on a Dask DataFrame:
    the tasks run on the cluster's workers and the result equals one process."""
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    out = run_fresh(
        """
        import numpy as np, pandas as pd
        import cardrank
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        rng = np.random.default_rng(3)
        n = 4000
        y = rng.integers(0, 2, n)
        df = pd.DataFrame({"a": (rng.integers(0, 5, n) + y).astype(str),
                           "b": rng.integers(0, 50, n).astype(str),
                           "y": y.astype(str)})
        from distributed import get_task_stream
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None, silence_logs=40) as cluster, \\
             Client(cluster):
            ddf = dd.from_pandas(df, npartitions=4)
            with get_task_stream() as ts:
                got = cardrank.dask.rank(ddf, "y", output="pandas")
        # every partition was counted by a task on a worker process
        counted = [t for t in ts.data if "partition_state" in str(t["key"])]
        assert len(counted) == 4, [str(t["key"]) for t in ts.data]
        want = cardrank.rank(df, "y", output="pandas")
        assert got["feature"].tolist() == want["feature"].tolist()
        assert np.array_equal(got["score"].to_numpy(), want["score"].to_numpy())
        print("ok", type(got).__module__.split(".")[0])
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "pandas"]


# --- results come back in the caller's kind ------------------------------------


def _frame(n: int = 400):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({"a": (rng.integers(0, 4, n) + y).astype(str),
                         "b": rng.integers(0, 9, n).astype(str), "y": y})


def test_pandas_in_pandas_out() -> None:
    pd = pytest.importorskip("pandas")
    df = _frame()
    import cardrank

    got = cardrank.rank(df, "y")
    assert isinstance(got, pd.DataFrame)
    assert got.attrs["target"] == "y" and got["feature"].iloc[0] == "a"
    for fn in (cardrank.redundancy, cardrank.interactions):
        assert isinstance(fn(df, "y"), pd.DataFrame)
    assert isinstance(cardrank.select(df, "y", 1), pd.DataFrame)
    r = cardrank.Ranker("y")
    r.update(df)
    assert isinstance(r.finish(), pd.DataFrame)
    # output= still overrides
    import pyarrow as pa

    assert isinstance(cardrank.rank(df, "y", output="arrow"), pa.Table)
    assert isinstance(cardrank.rank(df, "y", output="dict"), list)


def test_polars_in_polars_out_and_arrow_or_path_in_arrow_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    import cardrank

    df = _frame()
    got = cardrank.rank(pl.from_pandas(df), "y")
    assert isinstance(got, pl.DataFrame)
    assert isinstance(cardrank.rank(pl.from_pandas(df).lazy(), "y"), pl.DataFrame)
    table = pa.Table.from_pandas(df, preserve_index=False)
    assert isinstance(cardrank.rank(table, "y"), pa.Table)
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    assert isinstance(cardrank.rank(path, "y"), pa.Table)
    # the same numbers whatever the container
    assert got["score"].to_list() == cardrank.rank(table, "y").column("score").to_pylist()


def test_selector_ranking_follows_set_output() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    from cardrank.sklearn import CardinalitySelector

    df = _frame()
    X, y = df.drop(columns="y"), df["y"]
    sel = CardinalitySelector(k=1).fit(X, y)
    assert isinstance(sel.ranking_, pa.Table)
    assert isinstance(sel.set_output(transform="pandas").ranking_, pd.DataFrame)
    assert isinstance(sel.set_output(transform="polars").ranking_, pl.DataFrame)
    sel3 = CardinalitySelector(k=1, method="3mr").set_output(transform="pandas").fit(X, y)
    assert isinstance(sel3.selection_, pd.DataFrame)
    assert sel3.ranking_["feature"].iloc[0] == "a"


def test_a_missing_optional_dependency_names_the_extra() -> None:
    """In a fresh interpreter where pyarrow cannot be imported, pandas output
    raises MissingDependencyError naming `cardrank[pyarrow]`, and it is still
    a ModuleNotFoundError."""
    out = run_fresh(
        """
        import sys
        sys.modules["pyarrow"] = None  # as if not installed
        import os, tempfile
        import cardrank
        path = os.path.join(tempfile.mkdtemp(), "d.csv")
        with open(path, "w") as f:
            f.write("a,y\\n1,0\\n2,1\\n1,0\\n2,1\\n")
        try:
            cardrank.rank(path, "y")
        except cardrank.MissingDependencyError as e:
            assert isinstance(e, ModuleNotFoundError)
            print(e)
        else:
            raise SystemExit("no MissingDependencyError")
        """
    )
    assert out.returncode == 0, out.stderr
    assert 'pip install "cardrank[pyarrow]"' in out.stdout
