"""The crafted bad files of `../shared/hostile` (which once aborted the
interpreter or allocated gigabytes): `cardrank.rank(path, "y")` raises a
`cardrank.InputError` subclass and the interpreter lives on. Each file is
read in a fresh interpreter, so that an abort fails its own test instead of
killing the test run; under a 2 GB address-space limit where the platform
has one, so a claimed length cannot be allocated. Skipped when the folder
is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HOSTILE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "hostile").resolve()
FILES = sorted(p.name for p in HOSTILE.glob("*") if p.suffix != ".md") if HOSTILE.is_dir() else []

CHILD = r"""
import sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2_000_000_000, 2_000_000_000))
except (ImportError, ValueError, OSError):
    pass
import pyarrow as pa
import cardrank

try:
    cardrank.rank(sys.argv[1], "y")
except cardrank.InputError as e:
    print("input-error", type(e).__name__, e.kind)
except BaseException as e:
    print("other", type(e).__module__, type(e).__name__, e)
    sys.exit(3)
else:
    print("no error")
    sys.exit(4)
# still alive and working
r = cardrank.rank(pa.table({"a": ["x", "y", "x", "y"], "y": ["1", "0", "1", "0"]}), "y")
print("alive", len(r))
"""


@pytest.mark.parametrize(
    "name",
    FILES or [pytest.param(None, marks=pytest.mark.skip(reason=f"{HOSTILE} is absent"))],
)
def test_hostile_file_raises_input_error(name: str) -> None:
    path = HOSTILE / name
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("input-error "), proc.stdout
    assert lines[-1] == "alive 1", proc.stdout
    assert "panicked" not in proc.stderr, proc.stderr
