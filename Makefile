# Dial112 — `make run` and `make test` set up everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DIAL112_ENV ?= development

.PHONY: install run test chaos fuzz lint format triage-eval triage-calltypes bench browser screenshots clean

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

test: install browser
	$(BIN)/pytest

# Faults with real processes: workers killed, the database stopped, crashed and frozen (~3 minutes).
chaos: install
	$(BIN)/pytest -m faults tests/faults -s -p no:cacheprovider

# schemathesis against the service's own OpenAPI, with a token of every role (~3 minutes).
fuzz: install
	$(BIN)/pytest -m fuzz tests/fuzz -s -p no:cacheprovider

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The console's browser tests drive Debian's Chromium (Playwright cannot download its own browser
# here); Lohit Devanagari draws the Hindi labels. Needs root (CI runs as root); idempotent.
browser:
	@if ! command -v chromium >/dev/null || [ -z "$$(fc-list :lang=hi 2>/dev/null)" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-lohit-deva >/dev/null; \
		else echo "note: no Chromium and not root: the console's browser tests will be skipped (apt-get install chromium)"; fi; fi

# The README's console screenshots (docs/console-*.png), from a throw-away database and demo data.
screenshots: install browser
	$(BIN)/python -m tests.e2e.screenshots docs

# Every labelled set (service, secondary, priority where labelled), then all of them together. These sets
# are training data now; the unseen-call numbers are each set's first run (tests/data/FIRST_RUNS.md).
TRIAGE_SETS = dev own dev2 train_a train_b train_c train_d train_e new_a new_b new_c new_d new_e new_f new_g new_h new_i new_j new_k new_l new_m new_n new_o new_p new_q new_r
triage-eval: install
	$(BIN)/python -m app.dispatch.triage.evaluation --summary $(TRIAGE_SETS:%=tests/data/triage_%.jsonl)

# Real US dispatch call types (tests/data/external, MIT): vocabulary check, non-police rows apart.
triage-calltypes: install
	$(BIN)/python bench/bench_triage_calltypes.py

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .data .mypy_cache .pytest_cache .ruff_cache
