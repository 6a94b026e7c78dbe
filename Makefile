# Two entry points for a fresh machine (Python 3.11+): `make demo` and `make test`.
#
# Every install is pinned by constraints.txt (the lock): a fresh machine gets the versions the eval
# floors and tests were measured with, not whatever PyPI serves that day. `make lock` refreshes it
# explicitly (a fresh venv, unconstrained resolution, pip freeze); commit the result with the change
# that needed it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := constraints.txt
# pip, setuptools and wheel come from the lock too; the editable install then builds without
# isolation, so the build backend is the pinned one rather than the newest setuptools.
PIP := $(BIN)/pip install -q -c $(LOCK)
EXTRAS_ALL := dev,transformers,dask

$(BIN)/limelight: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(PIP) pip setuptools wheel
	$(PIP) --no-build-isolation -e '.[dev]'
	touch $(BIN)/limelight

# The tests also cover the transformers extra (tiny models made in the test), so `make test` adds it;
# the demo does not need it. torch first and pinned: a local CPU wheel; an unpinned torch pulls a
# multi-GB CUDA build.
$(VENV)/.extras: $(BIN)/limelight
	$(PIP) torch==2.13.0
	$(PIP) --no-build-isolation -e '.[$(EXTRAS_ALL)]'
	touch $(VENV)/.extras

.PHONY: setup setup-extras demo test test-full lint eval bench lock
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

# The whole fuzz set (>10,000 hostile inputs, two seeds) and 52 kill -9s of running ingests; a slice
# of each runs in `make test`; so do the three slowest end-to-end tests. .ci/run runs this after `make test`.
test-full: setup-extras
	$(BIN)/pytest -q -p no:cacheprovider -m full

eval: setup
	$(BIN)/limelight eval

bench: setup
	$(BIN)/python bench/ingest.py

# Refresh the lock: resolve every extra afresh in a throwaway venv and freeze it. Run it on purpose
# (a dependency added or bumped), then run `make test` and commit constraints.txt with the change.
lock:
	rm -rf .lock-venv
	$(PY) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip setuptools wheel
	.lock-venv/bin/pip install -q torch==2.13.0
	.lock-venv/bin/pip install -q -e '.[$(EXTRAS_ALL)]'
	{ echo "# The lock: every package a fresh machine installs, at the version tested. Made by 'make lock'"; \
	  echo "# from pyproject.toml (extras $(EXTRAS_ALL)); used as pip constraints by every make target."; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^limelight'; } > $(LOCK)
	rm -rf .lock-venv
	@echo "Wrote $(LOCK) ($$(grep -vc '^#' $(LOCK)) packages). Run make test, then commit it."
