"""The hand-written `_core.pyi` matches the compiled module, and the package
type-checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_stub_matches_the_extension_module() -> None:
    pytest.importorskip("mypy")
    proc = run("mypy.stubtest", "cardrank._core")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_type_checks() -> None:
    pytest.importorskip("mypy")
    proc = run("mypy", "python/cardrank")
    assert proc.returncode == 0, proc.stdout + proc.stderr
