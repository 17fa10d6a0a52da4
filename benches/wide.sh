#!/usr/bin/env bash
# Wide data (issue 17): time and peak RSS of `cardrank rank` on a CSV of
# 20,000 columns x 1,000 rows and one of 2,000 columns x 200,000 rows;
# pyarrow.csv.read_csv of the second with every column read as a string
# (the reference: ranking should take at most twice as long); and
# `cardrank.rank(df, "click")` of both from a pandas and a polars frame (the
# frame is read first; the table gives the rank call's seconds, the RSS of
# the process holding the frame, what the rank call adds to it at its
# highest, sampled every 10 ms, and the whole process's peak RSS).
#
#   benches/wide.sh                 # all of it
#   ONLY=cli benches/wide.sh        # only the cardrank binary rows
#
# Files come from `cardrank generate` (fixed seed: the same bytes on every
# machine) into ${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}, never into the
# repository. Needs the release binary (built here) and, for the Python
# rows, a venv ${PYTHON:-.venv/bin/python} with pyarrow, pandas, polars and
# cardrank built by `maturin develop --release`. Timings are wall-clock
# seconds, peak RSS the maximum resident set size (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=${CARDRANK_BIN:-$ROOT/target/release/cardrank}
ONLY=${ONLY:-all}

[ -n "${CARDRANK_BIN:-}" ] || cargo build --release -q -p cardrank-cli
mkdir -p "$DIR"

gen() { # NAME ROWS COLUMNS
  if [ ! -s "$DIR/$1" ]; then
    "$BIN" generate --rows "$2" --columns "$3" --seed 17 --out "$DIR/$1" >/dev/null 2>&1
  fi
}
gen wide20k.csv 1000 20000
gen wide2k.csv 200000 2000

# run LABEL CMD...: one Markdown row: label, seconds, peak RSS.
run() {
  local label=$1
  shift
  if ! /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    echo "| $label | FAILED: $(tail -1 "$DIR/err.txt") | |"
    return 0
  fi
  read -r secs kb <"$DIR/time.txt"
  local inner=""
  if grep -q '^seconds ' "$DIR/out.txt"; then
    inner=" (rank call $(awk '/^seconds / {print $2}' "$DIR/out.txt") s; frame $(awk '/^added / {print $2}' "$DIR/out.txt") MB, rank adds $(awk '/^added / {print $3}' "$DIR/out.txt") MB)"
  fi
  awk -v l="$label" -v s="$secs" -v k="$kb" -v i="$inner" \
    'BEGIN { printf "| %s | %.2f%s | %.0f |\n", l, s, i, k / 1024 }'
}

pa_csv='
import sys, pyarrow as pa, pyarrow.csv as c
names = open(sys.argv[1]).readline().rstrip("\n").split(",")
t = c.read_csv(sys.argv[1], convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))
print(t.num_rows, t.num_columns)'
py_rank='
import os, sys, threading, time, cardrank
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
kind, path = sys.argv[1], sys.argv[2]
if kind == "pandas":
    import pandas as pd
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
else:
    import polars as pl
    df = pl.read_csv(path, infer_schema=False)
frame = rss_mb()
peak, done = [frame], threading.Event()
def sample():
    while not done.wait(0.01):
        peak[0] = max(peak[0], rss_mb())
threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
r = cardrank.rank(df, "click")
secs = time.perf_counter() - t
done.set()
peak[0] = max(peak[0], rss_mb())
print("seconds", round(secs, 2))
print("added", round(frame), round(peak[0] - frame))'

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD); files: $(du -h "$DIR"/wide20k.csv "$DIR"/wide2k.csv | awk '{printf "%s %s; ", $2, $1}')"
echo
echo "| run | seconds | peak RSS MB |"
echo "|---|---:|---:|"
run "cardrank rank, 20,000 columns x 1,000 rows" "$BIN" rank "$DIR/wide20k.csv" --target click --quiet --json
run "cardrank rank, 2,000 columns x 200,000 rows" "$BIN" rank "$DIR/wide2k.csv" --target click --quiet --json
[ "$ONLY" = cli ] && exit 0
run "pyarrow.csv.read_csv, 2,000 x 200,000, all strings" "$PY" -c "$pa_csv" "$DIR/wide2k.csv"
for f in wide20k wide2k; do
  run "pandas read_csv(dtype=str) + cardrank.rank(df), $f" "$PY" -c "$py_rank" pandas "$DIR/$f.csv"
  run "polars read_csv(infer_schema=False) + cardrank.rank(df), $f" "$PY" -c "$py_rank" polars "$DIR/$f.csv"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
