"""Each error kind raises its own class under `cardrank.CardrankError`."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pytest

import cardrank
from cardrank import exceptions

TABLE = pa.table({"a": ["x", "y", "x", "z"], "b": [1, 2, 3, 4], "y": ["1", "0", "1", "0"]})


def test_every_kind_has_one_class() -> None:
    for table in (exceptions._CORE_ERRORS, exceptions._IO_ERRORS):
        for kind, cls in table.items():
            assert cls.kind == kind
            assert issubclass(cls, cardrank.CardrankError)
    # a kind both crates have is one class
    for kind in set(exceptions._CORE_ERRORS) & set(exceptions._IO_ERRORS):
        assert exceptions._CORE_ERRORS[kind] is exceptions._IO_ERRORS[kind]
    for name in exceptions.__all__:
        assert getattr(cardrank, name) is getattr(exceptions, name)


def test_missing_target_is_a_key_error() -> None:
    with pytest.raises(cardrank.MissingTargetError) as info:
        cardrank.rank(TABLE, "click")
    err = info.value
    assert isinstance(err, KeyError) and isinstance(err, cardrank.CardrankError)
    assert isinstance(err, cardrank.UnknownColumnError)
    assert err.kind == "missing_target"
    # the message is shown as is, not quoted as KeyError would
    assert str(err) == "target column `click` not found; the columns are: `a`, `b`, `y`"


def test_unknown_feature_is_a_key_error() -> None:
    with pytest.raises(cardrank.UnknownColumnError, match="`nope`") as info:
        cardrank.rank(TABLE, "y", features=["a", "nope"])
    assert isinstance(info.value, KeyError)


def test_the_target_cannot_be_given() -> None:
    for call in (cardrank.select, cardrank.rank):
        with pytest.raises(cardrank.InvalidParameterError, match="the target cannot be given"):
            call(TABLE, "y", given=["a", "y"])


def test_constant_target() -> None:
    table = pa.table({"a": ["x", "y"], "y": ["1", "1"]})
    with pytest.raises(
        cardrank.ConstantTargetError, match="single value `1` in all 2 rows"
    ) as info:
        cardrank.rank(table, "y")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("threads", [0, -1])
def test_bad_threads(threads: int) -> None:
    with pytest.raises(cardrank.InvalidParameterError, match="threads") as info:
        cardrank.rank(TABLE, "y", threads=threads)
    assert isinstance(info.value, ValueError)
    with pytest.raises(cardrank.InvalidParameterError):
        cardrank.Ranker("y", threads=threads)


def test_bad_score_and_output() -> None:
    with pytest.raises(cardrank.InvalidParameterError, match="one of adjusted, mi, ami, z"):
        cardrank.rank(TABLE, "y", score="best")  # type: ignore[arg-type]
    with pytest.raises(cardrank.InvalidParameterError, match="output") as info:
        cardrank.rank(TABLE, "y", output="excel")  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)


def test_names_must_be_lists() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        cardrank.rank(TABLE, "y", features="a")


@pytest.mark.parametrize("data", [b"", b"garbage", b"CRST\x01\xff\xff\xff", b"CRST\x63"])
def test_garbage_bytes(data: bytes) -> None:
    with pytest.raises(cardrank.InvalidStateError) as info:
        cardrank.Ranker.from_bytes(data)
    assert isinstance(info.value, ValueError)


def test_truncated_state() -> None:
    r = cardrank.Ranker("y")
    r.update(TABLE)
    data = r.to_bytes()
    with pytest.raises(cardrank.InvalidStateError):
        cardrank.Ranker.from_bytes(data[: len(data) // 2])
    # One bit changed anywhere after the header: refused, not other counts.
    for i in range(5, len(data)):
        changed = bytearray(data)
        changed[i] ^= 0x04
        with pytest.raises(cardrank.InvalidStateError, match="checksum"):
            cardrank.Ranker.from_bytes(bytes(changed))


def test_merge_mismatch() -> None:
    a, b = cardrank.Ranker("y"), cardrank.Ranker("a")
    a.update(TABLE)
    b.update(TABLE)
    with pytest.raises(cardrank.StateMismatchError, match="target"):
        a.merge(b)


def test_no_rows_and_no_features() -> None:
    with pytest.raises(cardrank.NoRowsError):
        cardrank.Ranker("y").finish()
    with pytest.raises(cardrank.NoFeaturesError):
        cardrank.rank(TABLE.select(["y"]), "y")


def test_schema_changed() -> None:
    r = cardrank.Ranker("y")
    r.update(TABLE)
    with pytest.raises(cardrank.SchemaChangedError, match="`b`"):
        r.update(TABLE.drop_columns(["b"]))
    # A column the first batch had not would be ranked on part of the rows.
    wider = TABLE.append_column("c", pa.array(["p", "q", "p", "q"]))
    with pytest.raises(cardrank.SchemaChangedError, match="has a column `c` the first"):
        r.update(wider)
    assert r.rows == 4
    listed = cardrank.Ranker("y", features=["a", "b"])
    listed.update(TABLE)
    listed.update(wider)
    assert listed.rows == 8


def test_unsupported_type_is_a_type_error() -> None:
    table = TABLE.append_column("when", pa.array([1, 2, 3, 4], pa.timestamp("s")))
    with pytest.raises(cardrank.UnsupportedTypeError, match="`when`") as info:
        cardrank.rank(table, "y")
    assert isinstance(info.value, TypeError)
    assert "cast it to strings or integers" in str(info.value)
    # A pandas dtype Arrow has no type for is the same error, not pyarrow's.
    import pandas as pd

    frame = TABLE.to_pandas().assign(z=[1j, 2j, 1j, 2j])
    with pytest.raises(cardrank.UnsupportedTypeError, match="`z` has pandas dtype complex128"):
        cardrank.rank(frame, "y")
    # Mixed objects still rank by their text.
    mixed = TABLE.to_pandas().assign(m=pd.Series([1, "a", 1, "a"], dtype=object))
    assert "m" in {r["feature"] for r in cardrank.rank(mixed, "y", output="dict")}


def test_not_a_table() -> None:
    with pytest.raises(TypeError, match="cannot read data of type builtins.list"):
        cardrank.rank([[1, 2]], "y")


def test_bad_csv_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(cardrank.OpenError, match="absent.csv") as info:
        cardrank.rank(path, "y")
    err = info.value
    assert isinstance(err, cardrank.InputError)
    assert isinstance(err, ValueError) and isinstance(err, OSError)
    assert isinstance(err, cardrank.CardrankError)


def test_missing_columns_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\nx,1,1\nz,2,0\n")
    with pytest.raises(cardrank.MissingTargetError, match="`click`") as info:
        cardrank.rank(path, "click")
    assert isinstance(info.value, KeyError)
    with pytest.raises(cardrank.UnknownColumnError, match="`nope`") as other:
        cardrank.rank(path, "y", features=["a", "nope"])
    assert not isinstance(other.value, cardrank.MissingTargetError)


def test_glob_without_match(tmp_path: Path) -> None:
    with pytest.raises(cardrank.NoMatchError) as info:
        cardrank.rank(str(tmp_path / "*.parquet"), "y")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, cardrank.InputError)


def test_corrupt_parquet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"a": ["x"] * 1000, "y": ["1", "0"] * 500}), path)
    data = path.read_bytes()
    path.write_bytes(data[:8] + b"\0" * 64 + data[72:])
    with pytest.raises(cardrank.InputError):
        cardrank.rank(path, "y")


def test_bad_csv_contents(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,y\nx,1\nx,1,extra\n")
    with pytest.raises(cardrank.RaggedRowError, match="line 3 has 3 fields") as info:
        cardrank.rank(ragged, "y")
    assert isinstance(info.value, cardrank.InputError)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(cardrank.EmptyInputError):
        cardrank.rank(empty, "y")
    corrupt = tmp_path / "corrupt.csv.gz"
    body = "".join(f"{i * 7919 % 100_003},{i % 2}\n" for i in range(20_000))
    packed = gzip.compress(("a,y\n" + body).encode())
    corrupt.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(cardrank.DecompressError):
        cardrank.rank(corrupt, "y")


def test_a_failing_arrow_stream_is_an_input_error() -> None:
    batch = TABLE.to_batches()[0]

    def batches():  # type: ignore[no-untyped-def]
        yield batch
        raise RuntimeError("the source broke")

    reader = pa.RecordBatchReader.from_batches(batch.schema, batches())
    with pytest.raises(cardrank.InputError, match="the source broke"):
        cardrank.rank(reader, "y")


@pytest.mark.parametrize("raised", [RuntimeError, KeyboardInterrupt])
def test_a_source_failing_partway_keeps_the_batches_it_gave(raised: type) -> None:
    # A Ctrl-C that lands while a Python generator makes a batch reaches
    # Rust as a stream error; it must come out as KeyboardInterrupt, not as
    # an InputError, and either way the batches before it stay counted.
    batch = pa.table({"a": [f"v{i % 7}" for i in range(10)], "y": [i % 2 for i in range(10)]})
    batch = batch.to_batches()[0]

    def batches():  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield batch
        raise raised("stop")

    ranker = cardrank.Ranker("y", threads=1)
    reader = pa.RecordBatchReader.from_batches(batch.schema, batches())
    expected = cardrank.InputError if raised is RuntimeError else KeyboardInterrupt
    with pytest.raises(expected) as e:
        ranker.update(reader)
    assert type(e.value) is expected or raised is RuntimeError
    assert ranker.rows == 30
    whole = cardrank.rank(pa.Table.from_batches([batch] * 3), "y", output="dict")
    assert ranker.finish(output="dict") == whole


def test_exceptions_pickle() -> None:
    import pickle

    try:
        cardrank.rank(TABLE, "click")
    except cardrank.MissingTargetError as e:
        again = pickle.loads(pickle.dumps(e))
        assert type(again) is cardrank.MissingTargetError and str(again) == str(e)
