"""Shared fixtures: the repository root, the real data sets, the CLI binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()

# Label column of every real data set (see ../shared/data/README.md).
LABELS = {
    "census_income_kdd.csv.gz": "income",
    "nycflights13_delayed15.csv.gz": "delayed15",
    "adult.csv.gz": "income",
    "bank_marketing_10pct.csv.gz": "y",
    "german_credit.csv.gz": "creditability",
    "uci_mushroom.csv.gz": "class",
    "uci_splice.csv.gz": "Class",
    "uci_nursery.csv.gz": "class",
    "uci_car.csv.gz": "class",
    "uci_tic-tac-toe.csv.gz": "Class",
    "uci_vote.csv.gz": "Class",
}


def data_file(name: str) -> Path:
    """Path of a shared data set; skips the test when it is absent."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent (a fresh clone has no ../shared/data)")
    return path


@pytest.fixture(scope="session")
def cardrank_bin() -> Path:
    """The `cardrank` binary: $CARDRANK_BIN, else target/debug, else built now."""
    env = os.environ.get("CARDRANK_BIN")
    if env:
        return Path(env)
    for profile in ("debug", "release"):
        path = ROOT / "target" / profile / "cardrank"
        if path.exists():
            return path
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("no cargo to build the cardrank binary")
    subprocess.run([cargo, "build", "-p", "cardrank-cli"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "cardrank"
