#!/usr/bin/env bash
# Input benchmarks of issue 5: rows per second of `cardrank rank` on CSV,
# Parquet and Vowpal Wabbit files beside pyarrow.csv.read_csv and
# pyarrow.parquet.read_table on the same files; peak RSS of a 1M-row and a
# 10M-row file with the same columns; Parquet column projection.
#
#   benches/readers.sh [SMALL_ROWS] [BIG_ROWS]     # default 1000000 10000000
#
# Files are generated once into ${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}
# (about 10 GB for 10M rows), never into the repository. Needs the release
# binary (built here) and pyarrow in ${PYTHON:-.venv/bin/python}. Prints a
# Markdown table per measurement; timings are wall-clock seconds from
# /usr/bin/time, peak RSS its maximum resident set size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SMALL=${1:-1000000}
BIG=${2:-10000000}
COLS=${COLS:-50}
DIR=${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}
PY=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$ROOT/target/release/cardrank

cargo build --release -q -p cardrank-cli
mkdir -p "$DIR"

gen() { # NAME ROWS
  if [ ! -s "$DIR/$1" ]; then
    "$BIN" generate --rows "$2" --columns "$COLS" --seed 7 --out "$DIR/$1" 2>/dev/null
  fi
}
for f in csv parquet vw; do
  gen "small.$f" "$SMALL"
  gen "big.$f" "$BIG"
done

# run LABEL ROWS CMD...: one Markdown row: label, seconds, rows/s, peak RSS.
run() {
  local label=$1 rows=$2
  shift 2
  if ! /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$@" >"$DIR/out.txt" 2>"$DIR/err.txt"; then
    echo "FAILED: $label" >&2
    cat "$DIR/err.txt" >&2
    return 1
  fi
  read -r secs kb <"$DIR/time.txt"
  awk -v l="$label" -v s="$secs" -v k="$kb" -v r="$rows" \
    'BEGIN { printf "| %s | %.2f | %.0f | %.0f |\n", l, s, (s > 0 ? r / s : 0), k / 1024 }'
}

# crank LABEL ROWS FILE [OPTIONS]: `cardrank rank FILE --target click --json`.
crank() {
  local label=$1 rows=$2 file=$3
  shift 3
  run "$label" "$rows" "$BIN" rank "$file" --target click --quiet --json "$@"
}
pa_csv='import sys, pyarrow.csv as c; t = c.read_csv(sys.argv[1]); print(t.num_rows)'
pa_pq='import sys, pyarrow.parquet as p; cols = sys.argv[2].split(",") if len(sys.argv) > 2 else None; t = p.read_table(sys.argv[1], columns=cols); print(t.num_rows)'

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files: $(du -h "$DIR"/big.* | awk '{printf "%s %s; ", $2, $1}')"
echo
echo "### Throughput ($BIG rows x $COLS columns, all features ranked)"
echo
echo "| reader | seconds | rows/s | peak RSS MB |"
echo "|---|---:|---:|---:|"
crank "cardrank rank, CSV" "$BIG" "$DIR/big.csv"
crank "cardrank rank, Parquet" "$BIG" "$DIR/big.parquet"
crank "cardrank rank, VW (with the namespace scan)" "$BIG" "$DIR/big.vw"
crank "cardrank rank, VW, --features listed (no scan)" "$BIG" "$DIR/big.vw" \
  --features "$(head -c 4096 "$DIR/small.csv" | head -1 | cut -d, -f2- )"
run "pyarrow.csv.read_csv (read only)" "$BIG" "$PY" -c "$pa_csv" "$DIR/big.csv"
run "pyarrow.parquet.read_table (read only)" "$BIG" "$PY" -c "$pa_pq" "$DIR/big.parquet"

echo
echo "### Peak RSS: $SMALL vs $BIG rows, same columns"
echo
echo "| run | seconds | rows/s | peak RSS MB |"
echo "|---|---:|---:|---:|"
for opt in "--exclude row_id_like" "--max-distinct 100000" ""; do
  for size in small big; do
    rows=$SMALL
    [ "$size" = big ] && rows=$BIG
    # shellcheck disable=SC2086
    crank "CSV $size ${opt:-(all columns, row id included)}" "$rows" "$DIR/$size.csv" $opt
  done
done

echo
echo "### Parquet projection ($BIG rows): the target and one feature vs all $COLS columns"
echo
echo "| run | seconds | rows/s | peak RSS MB |"
echo "|---|---:|---:|---:|"
crank "cardrank, 2 columns" "$BIG" "$DIR/big.parquet" --features inf_c10
two=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["input"]["bytes_read"])' "$DIR/out.txt")
crank "cardrank, all columns" "$BIG" "$DIR/big.parquet"
all=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["input"]["bytes_read"])' "$DIR/out.txt")
run "pyarrow read_table, 2 columns" "$BIG" "$PY" -c "$pa_pq" "$DIR/big.parquet" click,inf_c10
run "pyarrow read_table, all columns" "$BIG" "$PY" -c "$pa_pq" "$DIR/big.parquet"
echo
echo "bytes read by cardrank: 2 columns $two, all columns $all, file $(stat -c %s "$DIR/big.parquet")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
