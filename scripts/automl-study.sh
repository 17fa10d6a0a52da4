#!/usr/bin/env bash
# The AutoML study (issue 9) from a fresh clone, in one command:
#
#   bash scripts/automl-study.sh            # the full study (BENCHMARKS.md)
#   bash scripts/automl-study.sh --quick    # the small run CI smoke-tests
#
# Makes the venv the test script uses (.venv, or $CARDRANK_VENV) with
# requirements-dev.txt, builds the extension optimised into it
# (`maturin develop --release`), then runs examples/automl_speedup.py with
# the arguments given. Results go to bench-out/automl/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${CARDRANK_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

step() { printf '\n==> %s\n' "$*"; }

step "python venv ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt

step "maturin develop --release (the extension, optimised)"
(VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop -q --release)

step "examples/automl_speedup.py $*"
exec "$VENV/bin/python" examples/automl_speedup.py "$@"
