"""The Python examples run (the csv crate's habit: examples are tests)."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_rank_then_train_on_generated_data() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "rank_then_train.py"),
            "--generated",
            "--rows",
            "4000",
            "-k",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "top 3 (cardrank)" in out and "all 30" in out
    kept = out.rsplit("kept: ", 1)[1].split(", ")
    assert len(kept) == 3 and not any(k.startswith(("noise", "id_like")) for k in kept)


@pytest.mark.parametrize("module", ["cardrank", "cardrank._api", "cardrank._conditional", "cardrank._pairs", "cardrank._report", "cardrank.sklearn"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
