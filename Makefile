# Lantern: the commands people and CI both use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
GEO_STAMP := var/geography/.built

.PHONY: setup secrets geography run test check suite lint types audit fmt bench clean

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm (Node.js) is required for front-end assets"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The base map's state and county outlines, simplified once from the census shapes that
# plotly-geo ships (var/geography/, served as static files; rebuilt when the builder changes).
$(GEO_STAMP): $(STAMP) lantern/geography/build.py
	$(BIN)/lantern geography build
	touch $(GEO_STAMP)

geography: $(GEO_STAMP)

setup: $(STAMP) $(NODE_STAMP) secrets geography

# This install's SECRET_KEY and encryption key, made up here once (var/secrets.env, 0600).
secrets: $(STAMP)
	mkdir -p var
	$(BIN)/python scripts/init-secrets

run: setup
	$(BIN)/lantern migrate --noinput
	$(BIN)/lantern demo seed --if-empty
	$(BIN)/lantern demo logins
	$(BIN)/lantern runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# ruff's S rules are the security linter (bandit's checks).
types: setup
	$(BIN)/mypy

audit: setup
	scripts/audit-deps

# `make test` = `make check` (lint, types, dependency audit) + `make suite` (the tests).
# CI (.ci/run) runs `check` once and `suite` twice: on SQLite and on PostgreSQL.
test: check suite

check: lint types audit
	$(BIN)/lint-imports --no-cache

suite: setup
	$(BIN)/lantern makemigrations --check --dry-run
	$(BIN)/pytest -q -n 2

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python bench/directory.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/match.py
	$(BIN)/python bench/referrals.py
	$(BIN)/python bench/cases.py

clean:
	rm -rf $(VENV) var/*.sqlite3
