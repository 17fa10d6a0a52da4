"""Time scikit-learn's expected_mutual_information on the tables that the
criterion bench `expected_mutual_info` uses (same deterministic level sizes).

    .venv/bin/python benches/scripts/emi_sklearn.py
    cargo bench -p cardrank-benches -- expected_mutual_info
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

MASK = (1 << 64) - 1


def level_sizes(levels: int, n: int) -> list[int]:
    """The same xorshift recipe as `level_sizes` in benches/benches/core.rs."""
    x = 0x9E3779B97F4A7C15
    w = []
    for _ in range(levels):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        w.append(1.0 / (1.0 + (x % 1000)))
    s = sum(w)
    sizes = [1 + int(p / s * (n - levels)) for p in w]
    sizes[0] += n - min(sum(sizes), n)
    return sizes


def contingency_with_margins(rows: list[int], cols: list[int]) -> np.ndarray:
    """Any table with these margins: EMI depends only on the margins."""
    table = np.zeros((len(rows), len(cols)), dtype=np.int64)
    remaining = list(cols)
    j = 0
    for i, a in enumerate(rows):
        while a > 0:
            take = min(a, remaining[j])
            table[i, j] += take
            a -= take
            remaining[j] -= take
            if remaining[j] == 0:
                j += 1
    return table


def main() -> None:
    n = 1_000_000
    for levels in (1_000, 20_000, 100_000):
        rows = level_sizes(levels, n)
        cols = [n - n // 20, n // 20]
        table = contingency_with_margins(rows, cols)
        t = time.perf_counter()
        emi = expected_mutual_information(table, n)
        dt = time.perf_counter() - t
        print(f"binary_target_levels/{levels}: sklearn {dt * 1e3:.1f} ms, EMI = {emi:.15g}")


if __name__ == "__main__":
    main()
