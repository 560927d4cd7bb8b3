# Molnbedömning: the only commands a newcomer needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := assess

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test test-load test-install soak lint fmt typecheck translations bench bench-scale bench-postgres clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install the app

install-dev: $(VENV)/.installed-dev ## Create .venv and install the app with the dev tools

run: export ASSESS_ENVIRONMENT ?= development
run: install ## Migrate the SQLite database in instance/, load rule set and demo data, serve on 127.0.0.1:$PORT
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev ## Lint and run every test but the load suites, two at a time (browser tests need /usr/bin/chromium)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -m "not load" --ignore=tests/install

test-load: install-dev ## The load and soak suites at CI size: concurrent writers, kill -9, fuzz on PostgreSQL, the language walk
	MOLNBEDOMNING_TEST_POSTGRES_URL="$${MOLNBEDOMNING_TEST_POSTGRES_URL:-$$(.ci/postgres 2>/dev/null || true)}" \
		$(BIN)/pytest -n 2 -m load --ignore=tests/install

test-install: install-dev ## Build the wheel, install it in a fresh venv, serve two instances on one PostgreSQL
	MOLNBEDOMNING_TEST_POSTGRES_URL="$${MOLNBEDOMNING_TEST_POSTGRES_URL:-$$(.ci/postgres 2>/dev/null || true)}" \
		$(BIN)/pytest tests/install

soak: install-dev ## The reliability suite at full size: 50 writers, kill -9, a 10,000-request fuzz, the tamper table
	MOLNBEDOMNING_TEST_POSTGRES_URL="$${MOLNBEDOMNING_TEST_POSTGRES_URL:-$$(.ci/postgres 2>/dev/null || true)}" \
		$(BIN)/python -m tests.soak $(SOAK_ARGS)

lint: install-dev ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install-dev ## Format the code and fix what ruff can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

translations: install-dev ## Collect the texts of code and templates into assess/translations (sv, en) and compile them
	$(BIN)/python -m assess.catalogs update
	@$(BIN)/python -m assess.catalogs check || echo "Translate the texts listed above in assess/translations/en/LC_MESSAGES/messages.po, then run make translations again."

typecheck: install-dev ## mypy --strict on rules/, services/ and pdf/
	$(BIN)/mypy

bench: install-dev ## Print performance figures (rules engine, pages, PDF; pages on a scale database of BENCH_CASES, 200 here)
	BENCH_CASES=$${BENCH_CASES:-200} $(BIN)/python -m bench

bench-scale: install-dev ## Every page on the demo and on a generated database of BENCH_CASES cases (1000) side by side
	BENCH_CASES=$${BENCH_CASES:-1000} $(BIN)/python -m bench scale scale_data

bench-postgres: install-dev ## Every page on PostgreSQL: the demo and a generated database of BENCH_CASES cases (200) side by side
	BENCH_POSTGRES=1 BENCH_CASES=$${BENCH_CASES:-200} $(BIN)/python -m bench postgres

clean: ## Remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
