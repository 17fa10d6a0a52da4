# Sourced by scripts/test.sh and scripts/automl-study.sh: makes (or reuses)
# the project's venv, $VENV (default .venv, or $CARDRANK_VENV), with
# requirements-dev.txt installed. Expects ROOT and step() from the caller.
VENV=${CARDRANK_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

step "python venv ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
