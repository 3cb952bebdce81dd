# Viewership dbt project — every entry point a developer or CI uses.
# `make setup && make demo` builds the pipeline on an embedded DuckDB; `make test` runs every check.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR ?= $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

ROWS ?= 20000
SEED ?= 42
PORT ?= 8080
# The dbt target: `make demo TARGET=ci` or `DBT_TARGET=ci make demo` (the variable profiles.yml reads).
# Both name the same thing; set to different values they are refused instead of one silently winning.
ifneq ($(strip $(DBT_TARGET)),)
ifneq ($(filter command line environment environment override file override,$(origin TARGET)),)
ifneq ($(TARGET),$(DBT_TARGET))
$(error TARGET=$(TARGET) and DBT_TARGET=$(DBT_TARGET) disagree: set only one of them)
endif
endif
endif
TARGET ?= $(if $(strip $(DBT_TARGET)),$(DBT_TARGET),dev)
# `make demo` builds in its own database, recreated on every run (viewership.demo fresh):
# dev = this DuckDB file, ci = this PostgreSQL database. Your own dev database is never touched.
DEMO_DUCKDB ?= viewership_demo.duckdb
DEMO_DATABASE ?= viewership_demo
# Base of the governance ratchet (`redline check --base`): a git ref, or auto = the merge-base with
# origin/main (or main), else HEAD~1, else none (the ratchet says which base it used, or that it skipped).
REDLINE_BASE ?= auto

.PHONY: help setup demo build test test-fast lint docs docs-lineage fixtures compile-snowflake adversarial bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/dbt: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "setup: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(BIN)/dbt

profiles.yml: profiles.example.yml
	@test -f profiles.yml || { cp profiles.example.yml profiles.yml; echo "created profiles.yml from profiles.example.yml"; }

setup: $(BIN)/dbt profiles.yml ## create .venv, install pinned deps, create profiles.yml
	@$(BIN)/dbt --version | head -n 3

demo: export DBT_DUCKDB_PATH := $(DEMO_DUCKDB)
demo: export POSTGRES_DATABASE := $(DEMO_DATABASE)
demo: setup ## fresh demo database, synthetic data (ROWS=20000 SEED=42), dbt build, rows per layer
	$(BIN)/python -m viewership.demo fresh --target $(TARGET)
	$(BIN)/viewership-generate --rows $(ROWS) --seed $(SEED) --target $(TARGET)
	$(BIN)/dbt build --target $(TARGET)
	$(BIN)/python -m viewership.summary --target $(TARGET)

build: setup ## dbt build on TARGET (default dev)
	$(BIN)/dbt build --target $(TARGET)

lint: setup ## ruff, mypy --strict, sqlfluff
	$(BIN)/ruff check scripts
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models tests macros snapshots --processes 2

test-fast: setup ## pytest without the PostgreSQL and emulation suites
	$(BIN)/pytest -m "not postgres and not snowflake_emulation"

test: setup ## everything CI runs: lint, pytest (DuckDB + PostgreSQL, Snowflake compile + emulation), redline check + mutate
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && \
	$(BIN)/pytest && \
	$(BIN)/redline check --target dev --target ci --target staging --target prod --base $(REDLINE_BASE) && \
	$(BIN)/python -m scripts.tests.redline.fixtures.regenerate --check && \
	$(BIN)/redline mutate; status=$$?; \
	echo "make test: wall time $$(( $$(date +%s) - start )) s"; exit $$status

fixtures: setup ## regenerate the redline tests' compiled-SQL fixtures from a real compile (after changing a model)
	$(BIN)/python -m scripts.tests.redline.fixtures.regenerate

compile-snowflake: setup ## compile staging and prod offline (no Snowflake account)
	$(BIN)/python -m viewership.emulation compile --target staging
	$(BIN)/python -m viewership.emulation compile --target prod

docs: setup ## generate the dbt docs site (checked to work offline) and serve it on http://127.0.0.1:PORT (PORT=8080)
	$(BIN)/python -m viewership.docs_site up --target $(TARGET) --host 127.0.0.1 --port $(PORT)

docs-lineage: setup ## regenerate docs/lineage.svg from the manifest
	$(BIN)/dbt parse --target $(TARGET) --target-path target
	$(BIN)/python -m viewership.lineage --manifest target/manifest.json --output docs/lineage.svg

adversarial: setup ## every adversarial patch against redline (make test runs a fixed selection): catch rate per class
	REDLINE_ADVERSARIAL=all $(BIN)/python -m scripts.tests.redline.adversarial.run --workers 2

bench: setup ## benchmarks (see docs/BENCHMARKS.md); BENCH_QUICK=1 for a CI-sized run
	$(BIN)/python -m viewership.bench $(if $(BENCH_QUICK),--quick,)

clean: ## remove build artifacts and the local DuckDB files (dev and demo)
	rm -rf target target_* logs .local viewership_dev.duckdb* $(DEMO_DUCKDB) $(DEMO_DUCKDB).wal
