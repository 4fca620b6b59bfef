# Developer and CI entry points. Override VENV to use another virtual environment,
# for example `make test VENV=/path/to/venv`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install test lint bench bench-gate

install:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'

# Installs the dev environment first when it is missing, so a fresh clone needs only this.
test:
	test -x $(BIN)/pytest || $(MAKE) install
	$(BIN)/python -m pytest -q

lint:
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

bench:
	$(BIN)/elicitor bench elicitation

bench-gate:
	$(BIN)/elicitor bench gate
