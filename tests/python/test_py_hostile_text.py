"""Issue 17 from Python: thread counts past the cap, unterminated quotes."""

from __future__ import annotations

import pyarrow as pa
import pytest

import cardrank


def _table() -> pa.Table:
    return pa.table({"a": ["x", "y", "x", "y"], "y": ["1", "0", "1", "0"]})


@pytest.mark.parametrize("threads", [1025, 100_000])
def test_thread_counts_past_the_cap_raise(threads: int) -> None:
    with pytest.raises(cardrank.InvalidParameterError, match=f"{threads}.*1 to 1024"):
        cardrank.rank(_table(), "y", threads=threads)
    assert cardrank._core.MAX_THREADS == 1024
    assert [r["feature"] for r in cardrank.rank(_table(), "y", threads=2, output="dict")] == ["a"]


def test_thread_env_var_past_the_cap_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDRANK_THREADS", "5000")
    with pytest.raises(cardrank.InvalidParameterError, match="CARDRANK_THREADS"):
        cardrank.rank(_table(), "y")


def test_unterminated_quote_is_an_input_error(tmp_path) -> None:
    p = tmp_path / "open.csv"
    p.write_bytes(b'a,y\n1,1\n2,"0\n3,1\n')
    with pytest.raises(cardrank.InputError, match="unterminated quote starting at line 3"):
        cardrank.rank(str(p), "y")
    from cardrank.exceptions import UnterminatedQuoteError

    with pytest.raises(UnterminatedQuoteError):
        cardrank.rank(str(p), "y")
