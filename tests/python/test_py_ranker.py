"""`cardrank.Ranker`: streaming, exact merges, bytes, pickling, processes."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
import pytest

import cardrank
from cardrank_testdata import *  # noqa: F403 (fixtures, TARGET)


def halves(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    mid = table.num_rows // 2 + 17
    return table.slice(0, mid), table.slice(mid)


def test_streaming_equals_one_call(arrow_table: pa.Table) -> None:
    r = cardrank.Ranker(TARGET)
    for batch in arrow_table.to_batches(max_chunksize=333):
        r.update(batch)
    assert r.rows == arrow_table.num_rows
    assert r.target == TARGET
    assert r.finish(output="dict") == cardrank.rank(arrow_table, TARGET, output="dict")
    # finishing does not consume the ranker
    assert r.finish(output="dict") == r.finish(output="dict")
    assert "rows=3000" in repr(r)


def test_mixed_input_types_stream_into_one_ranker(
    pandas_df: object, polars_df: object, arrow_table: pa.Table
) -> None:
    r = cardrank.Ranker(TARGET)
    for frame in (pandas_df, polars_df, arrow_table):
        r.update(frame)
    assert r.rows == 3 * arrow_table.num_rows
    tripled = pa.concat_tables([arrow_table] * 3)
    assert r.finish(output="dict") == cardrank.rank(tripled, TARGET, output="dict")


def test_merge_equals_one_pass_exactly(arrow_table: pa.Table) -> None:
    first, second = halves(arrow_table)
    a, b = cardrank.Ranker(TARGET), cardrank.Ranker(TARGET)
    a.update(first)
    b.update(second)
    a.merge(b)
    assert b.rows == second.num_rows  # the other ranker is unchanged
    assert a.rows == arrow_table.num_rows
    one_pass = cardrank.rank(arrow_table, TARGET, output="dict")
    merged = a.finish(output="dict")
    # exact equality of every float, not approximate
    assert merged == one_pass


def test_merge_in_either_order_and_with_an_empty_ranker(arrow_table: pa.Table) -> None:
    first, second = halves(arrow_table)
    a, b = cardrank.Ranker(TARGET), cardrank.Ranker(TARGET)
    a.update(first)
    b.update(second)
    b.merge(a)
    empty = cardrank.Ranker(TARGET)
    empty.merge(b)
    assert empty.finish(output="dict") == cardrank.rank(arrow_table, TARGET, output="dict")


def test_merge_with_itself_doubles_the_counts(arrow_table: pa.Table) -> None:
    r = cardrank.Ranker(TARGET)
    r.update(arrow_table)
    r.merge(r)
    doubled = pa.concat_tables([arrow_table, arrow_table])
    assert r.finish(output="dict") == cardrank.rank(doubled, TARGET, output="dict")


def test_merge_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        cardrank.Ranker(TARGET).merge(object())  # type: ignore[arg-type]


def test_bytes_round_trip(arrow_table: pa.Table) -> None:
    first, second = halves(arrow_table)
    a = cardrank.Ranker(TARGET)
    a.update(first)
    data = a.to_bytes()
    assert isinstance(data, bytes)
    b = cardrank.Ranker.from_bytes(data)
    assert b.rows == a.rows and b.target == TARGET
    b.update(second)
    assert b.finish(output="dict") == cardrank.rank(arrow_table, TARGET, output="dict")


def test_bytes_keep_missing_tokens() -> None:
    table = pa.table({"a": ["?", "x", "NA", "x"], "y": ["1", "0", "0", "1"]})
    r = cardrank.Ranker("y", missing=["?", "NA"])
    r.update(table)
    data = r.to_bytes()
    # The tokens travel in the bytes...
    restored = cardrank.Ranker.from_bytes(data)
    assert restored.finish(output="dict") == r.finish(output="dict")
    again = cardrank.Ranker.from_bytes(data, missing=["NA", "?"])
    assert again.finish(output="dict") == r.finish(output="dict")
    # ...and tokens given explicitly must agree with them.
    with pytest.raises(cardrank.StateMismatchError, match="missing tokens"):
        cardrank.Ranker.from_bytes(data, missing=["?"])


def test_pickle_round_trip(arrow_table: pa.Table) -> None:
    first, second = halves(arrow_table)
    r = cardrank.Ranker(TARGET, missing=["", "?"], score="ami", threads=2)
    r.update(first)
    clone = pickle.loads(pickle.dumps(r))
    assert isinstance(clone, cardrank.Ranker)
    assert clone.rows == r.rows
    for x in (r, clone):
        x.update(second)
    assert clone.finish(output="dict") == r.finish(output="dict")
    assert r.finish(output="arrow").schema.metadata[b"cardrank.score"] == b"ami"


def _partial_state(table: pa.Table) -> cardrank.Ranker:
    r = cardrank.Ranker(TARGET)
    r.update(table)
    return r


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_rankers_from_worker_processes_merge(arrow_table: pa.Table, method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    # Use the global thread pool in this process first: a forked child must
    # not wait for the parent's threads.
    cardrank.rank(arrow_table, TARGET)
    parts = [arrow_table.slice(i, 600) for i in range(0, arrow_table.num_rows, 600)]
    ctx = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        states = list(pool.map(_partial_state, parts, timeout=120))
    total = states[0]
    for s in states[1:]:
        total.merge(s)
    assert total.finish(output="dict") == cardrank.rank(arrow_table, TARGET, output="dict")
