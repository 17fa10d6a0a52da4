"""Every Python block of README.md and docs/*.md runs as written.

The blocks of one page run in order, as one script (so a later block may use
what an earlier one made, as a reader following the page would), in a fresh
interpreter and an empty temporary folder. A block is left out only when the
line just before it is a `<!-- docs-test: skip (reason) -->` comment, and the
reason names the test that runs the same calls (a cluster, Spark)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SKIP = re.compile(r"<!-- docs-test: skip \((.+?)\) -->\s*$")


def blocks(page: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(line, code) of the blocks to run and (line, reason) of those skipped."""
    text = page.read_text(encoding="utf-8")
    run, skipped = [], []
    for m in BLOCK.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        reason = SKIP.search(before)
        if reason:
            skipped.append((line, reason.group(1)))
        else:
            run.append((line, m.group(1)))
    return run, skipped


def test_every_page_is_found() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "python.md", "distributed.md"} <= names
    # the harness finds blocks at all (a broken pattern would pass every page)
    assert blocks(ROOT / "docs" / "python.md")[0]


def test_skips_name_where_the_calls_are_tested() -> None:
    for page in PAGES:
        for line, reason in blocks(page)[1]:
            named = re.findall(r"tests/python/\w+\.py", reason)
            assert named, f"{page.name}:{line}: a skipped block must name its test"
            for test in named:
                assert (ROOT / test).is_file(), f"{page.name}:{line}: {test} does not exist"


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)[0]], ids=lambda p: p.name)
def test_page_runs(page: Path, tmp_path: Path) -> None:
    run, _ = blocks(page)
    script = []
    for line, code in run:
        script.append(f"# --- {page.name}:{line}\n{code}")
    path = tmp_path / "page.py"
    path.write_text("\n".join(script), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, (
        f"{page.name}: a block failed\n{proc.stderr[-4000:]}\n--- stdout:\n{proc.stdout[-2000:]}"
    )
