#!/usr/bin/env python3
"""The module graph of a crate: which top-level module uses which, and the
cycles among them.

A file under `src/` belongs to the top-level module of its path
(`src/pairs/score.rs` is `pairs`; `src/lib.rs` is the crate root and left
out). Every `crate::NAME` in its code (use lines and paths, not comments)
is an edge to module NAME. Cycles are the strongly connected components of
more than one module.

    python3 scripts/module_graph.py crates/cardrank/src        # edges and cycles
    python3 scripts/module_graph.py crates/cardrank/src --check  # exit 1 on a cycle
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

USE = re.compile(r"\bcrate::(\w+)")
GROUP = re.compile(r"\buse\s+crate::\{([^;]*)\}", re.S)
NAME = re.compile(r"(?:^|[,{\s])(\w+)(?=::|\s*[,}]|\s*$)")


def strip_comments(code: str) -> str:
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in code.splitlines())


def module_of(src: Path, file: Path) -> str | None:
    parts = file.relative_to(src).parts
    if len(parts) == 1:
        stem = file.stem
        return None if stem in ("lib", "main") else stem
    return parts[0]


def graph(src: Path) -> dict[str, set[str]]:
    modules = {module_of(src, f) for f in src.rglob("*.rs")} - {None}
    edges: dict[str, set[str]] = {m: set() for m in modules if m}
    for file in src.rglob("*.rs"):
        here = module_of(src, file)
        if here is None:
            continue
        code = strip_comments(file.read_text(encoding="utf-8"))
        used = set(USE.findall(code))
        for group in GROUP.findall(code):
            used |= {n for n in NAME.findall(group)}
        for m in used:
            if m in edges and m != here:
                edges[here].add(m)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/cardrank/src")
    edges = graph(src)
    found = cycles(edges)
    if "--check" not in sys.argv:
        for m in sorted(edges):
            print(f"{m} -> {', '.join(sorted(edges[m])) or '-'}")
    for c in found:
        inner = {m: sorted(edges[m] & set(c)) for m in c}
        print("cycle: " + "; ".join(f"{m} -> {', '.join(t)}" for m, t in inner.items()))
    if not found:
        print(f"no cycle among the {len(edges)} modules of {src}")
    return 1 if found and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
