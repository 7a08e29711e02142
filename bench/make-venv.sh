#!/usr/bin/env bash
# Builds .venv-bench: OCRmyPDF for `make bench-speed`, kept out of ratsflow's own environment so
# its dependencies (pikepdf, its own pdfminer, …) never decide what ratsflow runs with.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV=.venv-bench
STAMP="$VENV/.installed"
if [ -f "$STAMP" ] && [ "$STAMP" -nt bench/requirements.txt ]; then exit 0; fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r bench/requirements.txt
touch "$STAMP"
