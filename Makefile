# Two entry points for a fresh machine (Python 3.11+): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/limelight: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/limelight

# The tests also cover the transformers extra (tiny models made in the test), so `make test` adds it;
# the demo does not need it. torch first and pinned: a local CPU wheel; an unpinned torch pulls a
# multi-GB CUDA build.
$(VENV)/.extras: $(BIN)/limelight
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,transformers]'
	touch $(VENV)/.extras

.PHONY: setup setup-extras demo test lint eval bench
setup: $(BIN)/limelight
setup-extras: $(VENV)/.extras

demo: setup  ## ingest the bundled synthetic sample into DuckDB and print the visibility report
	rm -rf demo-project
	$(BIN)/limelight demo demo-project

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: setup-extras lint  ## lint, type-check, the evaluation gate on ../shared/data, then all tests
	$(BIN)/limelight eval
	$(BIN)/pytest -q -p no:cacheprovider

eval: setup
	$(BIN)/limelight eval

bench: setup
	$(BIN)/python bench/ingest.py
