#!/usr/bin/env bash
# Selection at scale (issue 16): time and peak RSS of `cardrank select` with
# M = 500 candidates on 1M generated rows (Joint, the default, JMI and CMIM,
# each without -k, stopping at k_suggested, and Joint with -k 20), against
# `cardrank rank` of the same file.
#
#   benches/select.sh
#
# The file comes from `cardrank generate --rows 1000000 --columns 501` (fixed
# seed: the same bytes on every machine) into
# ${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}, never into the repository.
# Needs the release binary (built here unless CARDRANK_BIN is set). Prints
# wall seconds, peak RSS (/usr/bin/time) and what the selection measured.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${CARDRANK_BENCH_DIR:-/tmp/cardrank-bench}
BIN=${CARDRANK_BIN:-$ROOT/target/release/cardrank}

[ -n "${CARDRANK_BIN:-}" ] || cargo build --release -q -p cardrank-cli
mkdir -p "$DIR"
DATA="$DIR/clicks501.parquet"
[ -f "$DATA" ] || "$BIN" generate --rows 1000000 --columns 501 --out "$DATA"

run() { # LABEL ARGS...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$DIR/time.txt" "$BIN" "$@" --quiet --json >"$DIR/out.json"
  read -r secs kb <"$DIR/time.txt"
  local what
  what=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if "selected" in d:
    names = ", ".join(s["feature"] for s in d["selected"])
    print("k_suggested %d, %d pairs, selected %s" % (d["k_suggested"], d["pairs_measured"], names))
else:
    print("%d features ranked" % len(d["features"]))' "$DIR/out.json")
  printf '%-28s %8.2f s %8d MB  %s\n' "$label" "$secs" $((kb / 1024)) "$what"
}

run "rank" rank "$DATA" --target click
run "select (joint, default)" select "$DATA" --target click
run "select --method jmi" select "$DATA" --target click --method jmi
run "select --method cmim" select "$DATA" --target click --method cmim
run "select -k 20 (joint)" select "$DATA" --target click -k 20
