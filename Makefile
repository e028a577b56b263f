# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.sop-installed
DEV_STAMP := $(VENV)/.sop-dev-installed
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test lint format dev bench sample-data clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "sop_pipeline needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	@touch $@

$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e ".[dev]"
	@touch $@ $(RUN_STAMP)

## make run: install and plan the latest closed month of the sample company in data/
run: $(RUN_STAMP)
	$(BIN)/sop-pipeline run

## make test: install the dev tools and run the test suite
test: $(DEV_STAMP)
	$(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make dev: the Dagster UI on http://127.0.0.1:3000 over the sample company
dev: $(RUN_STAMP)
	mkdir -p data/warehouse/dagster_home
	DAGSTER_HOME=$(CURDIR)/data/warehouse/dagster_home $(BIN)/dagster dev -w workspace.yaml

sample-data: $(RUN_STAMP)
	$(BIN)/python -m sop_pipeline.sample_data --out data

clean:
	rm -rf data/warehouse
