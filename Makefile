# Dial112 — `make run` and `make test` set up everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DIAL112_ENV ?= development

.PHONY: install run test lint format triage-eval triage-calltypes bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/dial112 db upgrade
	$(BIN)/dial112 seed --demo
	$(BIN)/dial112 serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

triage-eval: install
	$(BIN)/python -m app.dispatch.triage.evaluation tests/data/triage_dev.jsonl tests/data/triage_own.jsonl tests/data/triage_dev2.jsonl

# Real US dispatch call types (tests/data/external, MIT): vocabulary check, non-police rows apart.
triage-calltypes: install
	$(BIN)/python bench/bench_triage_calltypes.py

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
