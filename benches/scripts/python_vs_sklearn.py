"""cardrank.rank on an in-memory pyarrow table vs scikit-learn loops, and vs
pyarrow's read of the same data from Parquet (issue 3's benchmark).

    ./target/release/cardrank generate --rows 1000000 --columns 50 --out /tmp/clicks_1m.csv
    .venv/bin/python benches/scripts/python_vs_sklearn.py /tmp/clicks_1m.csv [--skip-ami]

scikit-learn gets its best case: each column factorised to integer codes once
(not timed), so its loops time only the measure itself.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

import cardrank


def timed(label: str, fn):
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"{label}: {dt:.2f} s", flush=True)
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--target", default="click")
    ap.add_argument("--skip-ami", action="store_true")
    args = ap.parse_args()
    names = open(args.csv).readline().strip().split(",")
    opts = pcsv.ConvertOptions(column_types={n: pa.string() for n in names})
    table, _ = timed("pyarrow.csv.read_csv (strings)", lambda: pcsv.read_csv(args.csv, convert_options=opts))
    print(f"table: {table.num_rows} rows x {table.num_columns} columns; load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.parquet")
        pq.write_table(table, path)
        timed("pyarrow.parquet.read_table", lambda: pq.read_table(path))
    ranking, t_rank = timed("cardrank.rank (in-memory table)", lambda: cardrank.rank(table, args.target))
    y = table.column(args.target).to_numpy(zero_copy_only=False)
    y_codes = np.unique(y, return_inverse=True)[1]
    feats = [n for n in names if n != args.target]
    codes = {}
    for n in feats:
        col = table.column(n).combine_chunks().dictionary_encode()
        codes[n] = col.indices.to_numpy(zero_copy_only=False)
    _, t_mi = timed("sklearn mutual_info_score loop", lambda: [mutual_info_score(y_codes, codes[n]) for n in feats])
    print(f"ratio MI loop / cardrank: {t_mi / t_rank:.1f}x")
    if not args.skip_ami:
        _, t_ami = timed(
            "sklearn adjusted_mutual_info_score loop",
            lambda: [adjusted_mutual_info_score(y_codes, codes[n]) for n in feats],
        )
        print(f"ratio AMI loop / cardrank: {t_ami / t_rank:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(ranking.slice(0, 5).to_pandas()[["feature", "cardinality", "mi", "adjusted"]])


if __name__ == "__main__":
    main()
