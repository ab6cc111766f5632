# The two commands of the README: `make demo` (the main job) and `make test` (the suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEVSTAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test install dev bench clean

# Bytecode caches are written (src/, tests/ and the venv's packages), even where the environment says
# PYTHONDONTWRITEBYTECODE: `make test` starts Python many times (two pytest workers, the CLI subprocesses,
# uvicorn and multiprocessing children, Spark's Python workers), and without a cache each one compiles
# every module it imports again (pytest's collection in a worker: 9.0 s of CPU without, 6.3 s with).
unexport PYTHONDONTWRITEBYTECODE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

# --no-compile: pip byte-compiles every module of every package it installs (about half of this
# step's CPU, 61 -> 27 s on the 2-core machine); a module is compiled on its first import instead
# (and cached, see above), and `make test` imports a small part of what the dev extras bring.
$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --no-compile -e ".[dev]"
	touch $@

install: $(STAMP)
dev: $(DEVSTAMP)

demo: $(STAMP)
	$(BIN)/proeftuin demo

test: $(DEVSTAMP)
	$(BIN)/ruff check --quiet src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src bench
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site
	$(BIN)/python -m pytest -n 2 --dist loadfile --hypothesis-profile=ci -q

bench: $(DEVSTAMP)
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) out proeftuin.db .pytest_cache
