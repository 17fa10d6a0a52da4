#!/usr/bin/env bash
# Byte-mutation fuzz of the readers through the CLI (rank and report) under a
# 2 GB address-space limit; see scripts/fuzz.py. Usage:
#   scripts/fuzz.sh [--minutes M] [--bin PATH] [--seed N] [--out DIR]
# Without --bin it uses target/release/cardrank, else target/debug/cardrank.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/cardrank
[ -x "$bin" ] || bin=target/debug/cardrank
exec python3 scripts/fuzz.py --bin "$bin" "$@"
