"""One process vs a Dask LocalCluster on the same Parquet parts (issue 8).

    cargo build --release -p cardrank-cli
    .venv/bin/python benches/scripts/dask_scaling.py --rows 10000000 --parts 40
    .venv/bin/python benches/scripts/dask_scaling.py --exclude row_id_like   # without the id column

Writes the synthetic click log (`cardrank generate --seed 7 --columns 50`,
one Parquet file, then split into `--parts` files of equal rows) to
`--dir` once, then runs each measurement in a fresh interpreter:

- `single`: `cardrank.rank("DIR/parts/*.parquet")`, read in Rust, one process;
- `dask`: `cardrank.dask.rank(dd.read_parquet("DIR/parts"))` on a
  `LocalCluster` of `--workers` processes of one thread each, each partition
  converted through pandas as `cardrank.rank` converts a DataFrame;
- `sync`: the same Dask graph on Dask's synchronous scheduler, in this one
  process (the pandas round trip without the cluster);
- `states`: the bytes of each partition's state and of the merged state.

Wall time excludes interpreter and cluster start (both printed). Peak RSS is
`getrusage(RUSAGE_SELF).ru_maxrss` of each process (the workers' read with
`client.run` after the ranking). The two rankings must be equal, every
float bit for bit; the script says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(args: argparse.Namespace) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = Path(args.dir) / f"parts-{args.rows}-{args.parts}"
    if parts.is_dir() and len(list(parts.glob("*.parquet"))) == args.parts:
        return parts
    whole = Path(args.dir) / f"clicks-{args.rows}.parquet"
    if not whole.exists():
        whole.parent.mkdir(parents=True, exist_ok=True)
        cmd = [args.cardrank, "generate", "--rows", str(args.rows), "--columns", "50",
               "--seed", "7", "--out", str(whole)]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
    parts.mkdir(parents=True, exist_ok=True)
    per_part = -(-args.rows // args.parts)
    source = pq.ParquetFile(whole)
    for i, batch in enumerate(source.iter_batches(batch_size=per_part)):
        pq.write_table(pa.Table.from_batches([batch]), parts / f"part-{i:03d}.parquet")
    return parts


def run_single(args: argparse.Namespace, parts: Path) -> dict[str, object]:
    import cardrank

    import pyarrow.parquet as pq

    # `exclude` as the list of the other features: `cardrank.rank(path,
    # exclude=...)` fails on files at the time of writing (the reader drops
    # the column, then the ranker looks for it).
    names = pq.read_schema(next(parts.glob("*.parquet"))).names
    features = None
    if args.exclude:
        features = [n for n in names if n != args.target and n not in args.exclude]
    t = time.perf_counter()
    table = cardrank.rank(str(parts / "*.parquet"), args.target, features=features)
    wall = time.perf_counter() - t
    import pyarrow.feather as feather

    feather.write_feather(table, str(parts.parent / "single.arrow"))
    return {"mode": "single", "wall_s": round(wall, 2), "peak_rss_mb": round(peak_rss_mb())}


def run_dask(args: argparse.Namespace, parts: Path) -> dict[str, object]:
    import dask.dataframe as dd
    import distributed
    import pyarrow.feather as feather

    import cardrank.dask

    t = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    start = time.perf_counter() - t
    ddf = dd.read_parquet(str(parts))
    t = time.perf_counter()
    table = cardrank.dask.rank(ddf, args.target, exclude=args.exclude)
    wall = time.perf_counter() - t
    workers = client.run(peak_rss_mb)
    client.close()
    cluster.close()
    single = feather.read_table(str(parts.parent / "single.arrow"))
    return {
        "mode": "dask",
        "partitions": ddf.npartitions,
        "cluster_start_s": round(start, 2),
        "wall_s": round(wall, 2),
        "client_peak_rss_mb": round(peak_rss_mb()),
        "worker_peak_rss_mb": sorted(round(v) for v in workers.values()),
        "equal_to_single_bit_for_bit": table.equals(single, check_metadata=True),
    }


def run_sync(args: argparse.Namespace, parts: Path) -> dict[str, object]:
    import dask
    import dask.dataframe as dd

    import cardrank.dask

    ddf = dd.read_parquet(str(parts))
    t = time.perf_counter()
    with dask.config.set(scheduler="sync"):
        cardrank.dask.rank(ddf, args.target, exclude=args.exclude)
    wall = time.perf_counter() - t
    return {"mode": "sync", "wall_s": round(wall, 2), "peak_rss_mb": round(peak_rss_mb())}


def run_states(args: argparse.Namespace, parts: Path) -> dict[str, object]:
    import dask
    import dask.dataframe as dd

    import cardrank.dask

    params = {"threads": None, "missing": None, "features": None, "exclude": None,
              "score": "adjusted"}
    whole = dd.read_parquet(str(parts))
    ddf = whole.drop(columns=args.exclude) if args.exclude else whole  # as cardrank.dask does
    state = dask.delayed(cardrank.dask.partition_state)
    sizes = dask.compute(*[dask.delayed(len)(state(p, args.target, params))
                           for p in ddf.to_delayed()], scheduler="threads", num_workers=2)
    merged = len(cardrank.dask.state(whole, args.target, exclude=args.exclude).to_bytes())
    return {
        "mode": "states",
        "partition_state_bytes": {"min": min(sizes), "median": sorted(sizes)[len(sizes) // 2],
                                  "max": max(sizes), "sum": sum(sizes)},
        "merged_state_bytes": merged,
        "parquet_bytes_per_part": sorted(f.stat().st_size for f in parts.glob("*.parquet"))[
            len(sizes) // 2],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--parts", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--target", default="click")
    ap.add_argument("--exclude", action="append", default=None)
    ap.add_argument("--dir", default="/tmp/cardrank-dask-bench")
    ap.add_argument("--cardrank", default=str(ROOT / "target" / "release" / "cardrank"))
    ap.add_argument("--mode", choices=["all", "single", "dask", "sync", "states"], default="all")
    args = ap.parse_args()
    parts = prepare(args)
    if args.mode == "all":
        print(f"{args.rows} rows in {args.parts} parts under {parts}; nproc {os.cpu_count()}; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
        for mode in ("single", "dask", "sync", "states"):
            t = time.perf_counter()
            cmd = [sys.executable, __file__, *sys.argv[1:], "--mode", mode]
            subprocess.run(cmd, check=True)
            print(f"  ({mode}: {time.perf_counter() - t:.1f} s with interpreter start; "
                  f"load {os.getloadavg()[0]:.2f})", flush=True)
        return
    run = {"single": run_single, "dask": run_dask, "sync": run_sync, "states": run_states}
    run = run[args.mode]
    print(json.dumps(run(args, parts)), flush=True)


if __name__ == "__main__":
    main()
