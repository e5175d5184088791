# istio-mesh-fn. `make demo` and `make test` work on a fresh machine: they create the
# venv and install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test unit lint schema venv clean
.DEFAULT_GOAL := help

help:
	@echo "make demo    run the function on kustomization-example and show the generated config"
	@echo "make test    set up and run the whole test suite (lint included)"
	@echo "make lint    mypy --strict over fn/ (analyze/ aside, see pyproject.toml)"
	@echo "make schema  regenerate fn/schema/*.json from the config models"
	@echo "make image   build the container image (docker or podman)"
	@echo "make bench   run the benchmarks and write docs/performance.md"
	@echo "make dist    build the sdist and wheel into dist/ (twine-checked)"
	@echo "make sbom    write the image's CycloneDX SBOM into dist/"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[test]'
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	@$(BIN)/python tools/demo.py kustomization-example/base function-config.yaml

unit: $(STAMP)
	$(BIN)/pytest -q tests --ignore=tests/e2e --ignore-glob='tests/ecosystem/*_e2e.py'

lint: $(STAMP)
	$(BIN)/mypy fn

test: $(STAMP) test-prereqs lint
	$(BIN)/pytest -q tests

schema: $(STAMP)
	$(BIN)/python -m fn.schema_gen

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

# Per-area targets (image, e2e prerequisites, benchmarks) live beside this file.
test-prereqs::
	@true

-include mk/*.mk
