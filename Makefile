# One-word tasks. `make run` and `make test` are the whole set-up on a fresh clone.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	@if [ "$$($(BIN)/newsbot stats --json | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["articles"])')" = "0" ]; then \
		$(BIN)/newsbot ingest seeds; fi
	$(BIN)/newsbot search "When will the summit take place?" --top-k 3

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not server"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/ingest.py --quick

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
