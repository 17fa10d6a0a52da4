#!/usr/bin/env bash
# Issue 15: the release wheel, alone in a fresh venv, is stripped and runs the
# same command line as the Rust binary built from the same tree.
#
#   scripts/wheel_check.sh
#
# Builds the release wheel (maturin, `strip = true` in pyproject.toml) into a
# temporary directory, and the release CLI (target/release/cardrank); makes a
# fresh venv with only the wheel installed; then compares, byte for byte,
# `cardrank`, `python -m cardrank` and the binary on --help, rank (table
# without its timing line, and --json without its "seconds" key), compare and
# demo --json. Prints the wheel's size and the extension's; exits non-zero on
# any difference or if the extension still has debug info.
# Environment: MATURIN (default: maturin on PATH, else .venv/bin/maturin),
# PYTHON (default python3.11).
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN=${MATURIN:-$(command -v maturin || echo .venv/bin/maturin)}
PY=${PYTHON:-python3.11}
BIN=target/release/cardrank
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cardrank-wheel.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAIL=0

step() { printf '\n==> %s\n' "$*"; }
same() { # LABEL FILE...: every FILE equals the first
  local label=$1 first=$2
  shift 2
  for f in "$@"; do
    if ! cmp -s "$first" "$f"; then
      echo "DIFFERENT: $label ($(basename "$first") vs $(basename "$f"))"
      diff "$first" "$f" | head -10 || true
      FAIL=1
      return 0
    fi
  done
  echo "same: $label"
}

step "build the release wheel and the release CLI"
"$MATURIN" build --release -o "$TMP/wheels"
cargo build --release -p cardrank-cli
WHEEL=$(ls "$TMP"/wheels/cardrank-*.whl)

step "fresh venv with the wheel alone"
"$PY" -m venv "$TMP/venv"
VPY=$TMP/venv/bin/python
"$VPY" -m pip install -q --disable-pip-version-check "$WHEEL"
"$VPY" -m pip list --disable-pip-version-check 2>/dev/null

step "wheel size and debug info"
unzip -q "$WHEEL" 'cardrank/_core*.so' -d "$TMP/unpacked"
SO=$(ls "$TMP"/unpacked/cardrank/_core*.so)
echo "wheel $(basename "$WHEEL"): $(stat -c %s "$WHEEL") bytes; $(basename "$SO"): $(stat -c %s "$SO") bytes"
if readelf -S "$SO" | grep -q '\.debug_'; then
  echo "DIFFERENT: the extension has .debug_* sections (not stripped)"
  FAIL=1
fi

step "compare the console script, python -m cardrank and $BIN"
gen=$TMP/data.csv
"$BIN" generate --rows 20000 --seed 42 --out "$gen" >/dev/null
# run NAME ARGS...: the three ways, outputs in $TMP/NAME.{bin,script,m}
run() {
  local name=$1
  shift
  "$BIN" "$@" >"$TMP/$name.bin"
  "$TMP/venv/bin/cardrank" "$@" >"$TMP/$name.script"
  "$VPY" -m cardrank "$@" >"$TMP/$name.m"
}
# The timing: the table's first line and the JSON's "seconds" key.
untime() { for f in "$@"; do sed -i '1s/ in [0-9.]* s$/ in T s/' "$f"; done; }
unseconds() {
  for f in "$@"; do
    "$VPY" -c 'import json, sys; d = json.load(open(sys.argv[1])); d.pop("seconds", None); print(json.dumps(d, sort_keys=True))' "$f" >"$f.n"
    mv "$f.n" "$f"
  done
}

run help --help
same "--help" "$TMP"/help.{bin,script,m}
run table rank "$gen" --target click --quiet
untime "$TMP"/table.*
same "rank (table)" "$TMP"/table.{bin,script,m}
run json rank "$gen" --target click --quiet --json
"$BIN" rank "$gen" --target click --quiet --json --exclude inf_c10k >"$TMP/other.json"
run compare compare "$TMP/json.bin" "$TMP/other.json"
same "compare" "$TMP"/compare.{bin,script,m}
unseconds "$TMP"/json.*
same "rank --json" "$TMP"/json.{bin,script,m}
run demo demo --rows 20000 --quiet --json
unseconds "$TMP"/demo.*
same "demo --json" "$TMP"/demo.{bin,script,m}

echo
if [ "$FAIL" = 0 ]; then echo "wheel check: OK"; else echo "wheel check: FAILED"; fi
exit "$FAIL"
