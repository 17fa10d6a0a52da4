#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: Rust (fmt, clippy, tests,
# doctests) and Python (a venv with scikit-learn as the oracle, the extension
# built by maturin, pytest). Needs only the Rust toolchain and Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
step() { printf '\n==> %s\n' "$*"; }
# One full build, not incremental state beside it (1.7 GB on a fresh clone);
# set CARGO_INCREMENTAL=1 to keep it for repeated local runs.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

# shellcheck source=scripts/venv.sh
. "$ROOT/scripts/venv.sh"

step "cargo fmt --check"
cargo fmt --all -- --check

step "no import cycle among the core's modules (scripts/module_graph.py)"
python3 scripts/module_graph.py crates/cardrank/src --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --workspace

step "Rust example (examples/rank_file.rs): read a file with the readers, rank it with the core"
cargo run -q -p cardrank-cli --example rank_file

step "cardrank binary for the Python tests"
cargo build -p cardrank-cli
export CARDRANK_BIN="$ROOT/target/debug/cardrank"

if [ -f pyproject.toml ]; then
  step "maturin develop (Python extension)"
  (VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop -q)
fi

step "pytest"
"$VENV/bin/python" -m pytest tests -q -ra

step "byte-mutation fuzz of the readers (1 minute, fixed seed; scripts/fuzz.sh)"
python3 scripts/fuzz.py --bin "$CARDRANK_BIN" --minutes 1 --seed 1

step "disk used by the build (target/, venv)"
du -sh target "$VENV" 2>/dev/null || true
