# The two commands of the README: `make run` and `make test`; `make bi` and `make bi-up` for the
# Superset starter (its own venv in bi/.venv, its metadata in bi/.superset_home).
#
# Installs go through uv (pinned in constraints.txt, put into the venv by pip once), with
# constraints.txt as the lock: it pins every package the project and its extras install.
# Python may keep the modules it compiles (.pyc) in the venv: with PYTHONDONTWRITEBYTECODE set
# (as in many containers), every command and test process compiles dagster, pandas,
# statsforecast... from source again, seconds each time.
unexport PYTHONDONTWRITEBYTECODE

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
RUN_STAMP := $(VENV)/.sop-installed
DEV_STAMP := $(VENV)/.sop-dev-installed
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python -c constraints.txt

BI_VENV := bi/.venv
BI_STAMP := $(BI_VENV)/.sop-bi-installed
SUPERSET_HOME ?= $(CURDIR)/bi/.superset_home
SUPERSET_PORT ?= 8088
SERVING_FILE ?= $(or $(SOP_DUCKDB_PATH),$(CURDIR)/data/warehouse/sop.duckdb)

.PHONY: run test lint format dev bench sample-data snapshot clean bi bi-up

# The venv is made without pip: uv installs everything, and putting pip into a venv (ensurepip)
# costs 5-10 s on 2 cores, a tenth of a fresh `make run`.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "sop_pipeline needs Python 3.11+"'
	$(PYTHON) -m venv --without-pip $(VENV)

# uv itself, at the version constraints.txt pins, installed into the venv by the base Python's
# pip (pip 22.3+ installs into another environment with --python); a base Python without such a
# pip gives the venv its own pip first.
PIP_UV := install --quiet --disable-pip-version-check -c constraints.txt uv
$(UV): constraints.txt | $(BIN)/python
	@if $(PYTHON) -m pip --python $(BIN)/python --version >/dev/null 2>&1; then \
		echo "$(PYTHON) -m pip --python $(BIN)/python $(PIP_UV)"; \
		$(PYTHON) -m pip --python $(BIN)/python $(PIP_UV); \
	else \
		echo "$(BIN)/python -m pip $(PIP_UV)"; \
		$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; \
		$(BIN)/python -m pip $(PIP_UV); \
	fi
	@touch $@

$(RUN_STAMP): pyproject.toml constraints.txt | $(UV)
	$(UV_INSTALL) -e .
	@touch $@

$(DEV_STAMP): pyproject.toml constraints.txt | $(UV)
	$(UV_INSTALL) -e ".[dev]"
	@touch $@ $(RUN_STAMP)

## make run: install and plan the latest closed month of the sample company in data/
run: $(RUN_STAMP)
	$(BIN)/sop-pipeline run

## make test: install the dev tools and run the test suite (without the slow, node and bi tests)
test: $(DEV_STAMP)
	$(BIN)/python -m pytest

## make snapshot: refresh the committed asset-graph snapshot after an intended graph change
snapshot: $(DEV_STAMP)
	$(BIN)/python -m sop_pipeline_tests.asset_graph

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make dev: the Dagster UI on http://127.0.0.1:3000 over the sample company
dev: $(RUN_STAMP)
	DAGSTER_HOME=$(CURDIR)/data/warehouse/dagster_home $(BIN)/python -c \
		'from sop_pipeline.paths import Paths; Paths.resolve("data").prepare()'
	DAGSTER_HOME=$(CURDIR)/data/warehouse/dagster_home $(BIN)/dagster dev -w workspace.yaml

$(BI_STAMP): bi/requirements.txt bi/constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Superset 6 needs Python 3.11+"'
	$(PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c bi/constraints.txt uv
	$(BI_VENV)/bin/uv pip install --quiet --python $(BI_VENV)/bin/python \
		-r bi/requirements.txt -c bi/constraints.txt
	@touch $@

## make bi: install Superset (bi/.venv) and provision its S&OP dashboard over the published
## warehouse (after `make run`; SERVING_FILE= another sop.duckdb)
bi: $(BI_STAMP)
	$(BI_VENV)/bin/python bi/setup_superset.py --serving-file "$(SERVING_FILE)" --home "$(SUPERSET_HOME)"

## make bi-up: serve Superset on http://127.0.0.1:8088 (SUPERSET_PORT=...) until Ctrl-C
bi-up: $(BI_STAMP)
	@test -f "$(SUPERSET_HOME)/superset.db" || { echo "Superset is not set up: run make bi first"; exit 2; }
	SUPERSET_HOME="$(SUPERSET_HOME)" SUPERSET_CONFIG_PATH="$(CURDIR)/bi/superset_config.py" \
		$(BI_VENV)/bin/gunicorn --workers 1 --worker-class gthread --threads 8 --timeout 120 \
		--bind 127.0.0.1:$(SUPERSET_PORT) --access-logfile - "superset.app:create_app()"

sample-data: $(RUN_STAMP)
	$(BIN)/python -m sop_pipeline.sample_data --out data

clean:
	rm -rf data/warehouse
