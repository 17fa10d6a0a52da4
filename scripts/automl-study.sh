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
step() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/venv.sh
. "$ROOT/scripts/venv.sh"

step "maturin develop --release (the extension, optimised)"
(VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop -q --release)

step "examples/automl_speedup.py $*"
exec "$VENV/bin/python" examples/automl_speedup.py "$@"
