# ratsflow — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-deu poppler-utils fonts-dejavu-core wngerman
export OMP_THREAD_LIMIT := 1

.PHONY: setup system-packages venv demo serve test test-sqlite lint bench bench-ocr bench-segment bench-speed bench-speed-quick bench-archive bench-store bench-venv clean

setup: system-packages venv

# Installs what the OS must provide: Tesseract with the German model, poppler, a Unicode font
# (sample PDFs) and the German word list (text-layer checks). apt-get as root, sudo otherwise.
system-packages:
	@missing=""; \
	command -v tesseract >/dev/null || missing="$$missing tesseract-ocr"; \
	{ command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx deu; } || missing="$$missing tesseract-ocr-deu"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -f /usr/share/dict/ngerman ] || missing="$$missing wngerman"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "Installing system packages:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null; then SUDO="sudo"; \
	else echo "ERROR: need$$missing but am not root and sudo is missing. Install them with your package manager ($(APT_PACKAGES)) and run make again." >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null; then echo "ERROR: apt-get not found. Install the equivalents of:$$missing and run make again." >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	  || { echo "ERROR: apt-get could not install:$$missing" >&2; exit 1; }

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ERROR: ratsflow needs Python >= 3.11; set PYTHON=python3.11")'
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/ratsflow demo

# A local Prefect server with the `ratsflow` work pool, every deployment of prefect.yaml and a worker.
serve: setup
	$(VENV)/bin/python -m deploy.serve

test: setup
	$(PY) -m pytest -q

# The house's guards: ruff (style, bugs) and import-linter (layers only point down; see pyproject).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# SQLite only, for machines without PostgreSQL.
test-sqlite: setup
	RATSFLOW_SKIP_POSTGRES=1 $(PY) -m pytest -q -m "not postgres"

bench: bench-ocr bench-segment bench-speed

bench-ocr: setup
	$(PY) -m bench.ocr

# Extraction per failure class of issue 13, before (the extraction code of EXTRACT_BASELINE,
# extractor 2) → after (this tree), into docs/BENCHMARKS.md.
EXTRACT_BASELINE ?= f5d218c
.PHONY: bench-extract
bench: bench-extract
bench-extract: setup
	$(PY) -m bench.extract_classes --baseline $(EXTRACT_BASELINE) --write

bench-segment: setup
	$(PY) -m bench.segment

# OCRmyPDF, the tool ratsflow is timed against, lives in .venv-bench only (bench/requirements.txt).
bench-venv:
	PYTHON=$(PYTHON) bash bench/make-venv.sh

# Speed against OCRmyPDF and raw Tesseract, alternating runs (docs/BENCHMARKS.md, "Speed").
# BEFORE=path/to/other/checkout adds that ratsflow (e.g. an export of main) to the same run.
bench-speed: setup bench-venv
	$(PY) -m bench.speed $(if $(BEFORE),--before $(BEFORE))

bench-speed-quick: setup bench-venv
	$(PY) -m bench.speed --quick --no-write $(if $(BEFORE),--before $(BEFORE))

# Backfill of a generated 300-document archive on the sample server, then the unchanged re-run.
bench-archive: setup
	$(PY) -m bench.speed_archive

# One document version's database write (60 pages, 20 items), batched against row by row, SQLite and PostgreSQL.
bench-store: setup
	$(PY) -m bench.speed_store

clean:
	rm -rf data demo/out bench/out .pytest_cache .venv-bench
