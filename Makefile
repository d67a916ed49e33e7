# warroom — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: run test lint types unit bench demo clean postgres faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` needs the runtime dependencies only; `make test` adds the test extras.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/warroom

demo: $(RUNTIME)
	$(BIN)/warroom demo

test: $(STAMP) postgres lint types unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy

# One pytest worker a core (pytest-xdist), each test file on one worker; WORKERS=0 runs
# in this process (for pdb).
WORKERS ?= auto
unit: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) --dist loadfile

# Real `warroom watch` processes against a slow local pager: a sender SIGSTOPped past
# its lease, a pager outage, an incident whose escalation raises, a sender SIGKILLed.
# `make test` runs the short form (tests/faults/test_fault_run.py).
faults: $(STAMP)
	$(BIN)/python tests/faults/run.py

bench: $(STAMP)
	$(BIN)/python tests/bench/run.py
	$(BIN)/python tests/bench/scribe.py
	$(BIN)/python tests/bench/reports.py
	$(BIN)/python tests/bench/startup.py

# The PostgreSQL tests start a throwaway server; install Debian's package when missing.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing PostgreSQL for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL is not installed: its tests will be skipped"; fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
