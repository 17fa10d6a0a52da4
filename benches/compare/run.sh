#!/usr/bin/env bash
# Side-by-side benchmark of cardrank against what users would pick instead
# (issue 7): outrank, scikit-learn's MI / AMI / mutual_info_classif,
# mrmr-selection, a numpy bincount floor and pyarrow's CSV reader, all on the
# same generated click logs, in one run.
#
#   bash benches/compare/run.sh            # 1M and 200k rows x 50 columns (under 20 min)
#   bash benches/compare/run.sh --quick    # 50k rows x 50 columns (about 2 min after setup)
#
# It builds the release CLI and Python extension, makes its own venv
# (benches/compare/.venv, gitignored) with the other tools, puts the
# importable cardrank package (python/cardrank plus the release extension)
# and the generated data in a temporary directory (never the repository), and
# runs benches/compare/compare.py, which prints the Markdown tables of
# BENCHMARKS.md and writes results.md, results.json and logs/ to the output
# directory. The budget covers the build too: on a busy machine a cold build
# can leave too little time, and the tools that did not fit are reported as
# skipped or "> T s".
#
# Options:
#   --quick          50k rows only
#   --out DIR        results directory (default: bench-out/compare, gitignored)
#   --budget S       seconds the whole command may take (default 1140, i.e. 19 min);
#                    tools still running when it would be exceeded are stopped
#                    and reported as "> T s"
#   --skip-build     use the existing target/release/cardrank and venv as they are
#   --keep-data      leave the generated data in the temporary directory
# Environment: PYTHON (default python3.11), TMPDIR (where the data goes).
set -euo pipefail

START=$(date +%s)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

QUICK=0
SKIP_BUILD=0
KEEP_DATA=0
BUDGET=1140
OUT="$ROOT/bench-out/compare"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    --keep-data) KEEP_DATA=1 ;;
    --out) OUT=$2; shift ;;
    --budget) BUDGET=$2; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
VENV="$HERE/.venv"
VPY="$VENV/bin/python"
BIN="$ROOT/target/release/cardrank"

step() { printf '\n==> [%ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

step "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; $(uptime)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cardrank-compare.XXXXXX")
cleanup() {
  if [ "$KEEP_DATA" = 1 ]; then echo "data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The CLI and the Python extension in one release build, so that the
# dependencies they share compile once. PYO3_BUILD_EXTENSION_MODULE is what
# maturin sets: the extension does not link libpython.
PYSITE=""
HAVE_PY_CRATE=0
[ -f crates/cardrank-py/Cargo.toml ] && [ -d python/cardrank ] && HAVE_PY_CRATE=1
if [ "$SKIP_BUILD" = 0 ]; then
  if [ "$HAVE_PY_CRATE" = 1 ]; then
    step "cargo build --release -p cardrank-cli -p cardrank-py"
    if ! PYO3_BUILD_EXTENSION_MODULE=1 cargo build --release -p cardrank-cli -p cardrank-py; then
      echo "WARNING: the Python extension did not build; its rows will say so" >&2
      HAVE_PY_CRATE=0
      step "cargo build --release -p cardrank-cli"
      cargo build --release -p cardrank-cli
    fi
  else
    step "cargo build --release -p cardrank-cli"
    cargo build --release -p cardrank-cli
  fi
fi
# The importable package: python/cardrank plus the release extension, in the
# temporary directory (an editable install would write into python/).
if [ "$HAVE_PY_CRATE" = 1 ] && [ -f target/release/libcardrank_py.so ]; then
  PYSITE="$WORK/pysite"
  mkdir -p "$PYSITE"
  cp -R python/cardrank "$PYSITE/"
  rm -f "$PYSITE"/cardrank/_core*.so
  cp target/release/libcardrank_py.so "$PYSITE/cardrank/_core.abi3.so"
fi

if [ "$SKIP_BUILD" = 0 ] || [ ! -x "$VPY" ]; then
  step "venv $VENV"
  [ -x "$VPY" ] || "$PY" -m venv "$VENV"
  pip() { "$VPY" -m pip install -q --disable-pip-version-check "$@"; }
  pip --upgrade pip
  # The baseline every row needs; then each other tool on its own, so that
  # one that cannot be installed is reported as unavailable, not fatal.
  pip numpy pandas pyarrow scikit-learn
  # outrank 0.97.5 hashes str values; xxhash 4 refuses them ("Strings must
  # be encoded before hashing"), so it needs xxhash 3.
  pip outrank "xxhash<4" || echo "WARNING: outrank could not be installed; its rows will say so" >&2
  pip mrmr-selection || echo "WARNING: mrmr-selection could not be installed; its row will say so" >&2
fi

step "generate data in $WORK"
if [ "$QUICK" = 1 ]; then
  SIZES="50k=50000"
else
  # 1M first: the targets are judged there, so a short budget cuts 200k instead.
  SIZES="1m=1000000 200k=200000"
fi
DATASETS=()
for s in $SIZES; do
  label=${s%%=*}
  rows=${s#*=}
  "$BIN" generate --rows "$rows" --columns 50 --seed 42 --out "$WORK/clicks_$label.csv"
  DATASETS+=(--dataset "$label=$WORK/clicks_$label.csv")
done

step "compare (results in $OUT)"
PYARGS=()
[ -n "$PYSITE" ] && PYARGS=(--cardrank-pythonpath "$PYSITE")
"$VPY" "$HERE/compare.py" run "${DATASETS[@]}" --cardrank "$BIN" --python "$VPY" \
  "${PYARGS[@]}" --out "$OUT" --work "$WORK" --deadline $(( START + BUDGET ))

step "done: $OUT/results.md"
