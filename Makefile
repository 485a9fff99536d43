# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults; a local .env (copied from .env.example) overrides them.
export DEBUG ?= 1
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: install run serve test test-postgres lint format migrate councils demo bench clean check-python check-npm

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "Python's venv module is missing: apt-get install python3-venv"; exit 1; }

check-npm:
	@command -v npm >/dev/null 2>&1 || \
	  { echo "npm is needed to install plotly.js (package.json): apt-get install npm (Debian; it brings nodejs)"; exit 1; }

$(VENV)/.installed: pyproject.toml | check-python
	@echo "==> Installing the Python packages into $(VENV) (first time: a minute or two)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# plotly.js's basic bundle, exactly as package-lock.json pins it (ombudsman/staticfinders.py serves it).
node_modules/.installed: package.json package-lock.json | check-npm
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	@echo "==> Creating or updating the database"
	$(PY) manage.py migrate --no-input

councils: migrate
	@echo "==> Loading the council register, and building the map the first time (about 10 s)"
	$(PY) manage.py load_councils
	@test -f var/geography/lower_tier.geojson || $(PY) manage.py build_boundaries

# Seeds demo data only when the database has no decisions yet (never over real data).
demo: councils
	@echo "==> Demo data, if the database has no decisions (first time: about a minute)"
	$(PY) manage.py seed_demo --if-empty

# The development server with one task worker beside it (long imports and letters run there,
# as in production); the worker stops with the server. TASKS_BACKEND=immediate runs them inside
# the request instead, with no worker.
run: demo
	@echo "==> Serving on http://$(HOST):$(PORT)/ with a background task worker (another port: make run PORT=8001)"
	$(PY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# Production-like: DEBUG off, settings from .env / the environment, static files collected for
# WhiteNoise, migrations applied, then gunicorn (ombudsman/gunicorn.conf.py: WEB_CONCURRENCY
# workers, default 2 x cores + 1; JSON logs) with TASK_WORKERS task workers beside it (default
# 1; each runs one job at a time, at a lower CPU priority so pages come first), stopped with it. For plain HTTP on this machine set
# SECURE_HTTPS=0.
serve: install
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (a long random string) in .env or the environment; see .env.example."; exit 1; }
	@test -n "$$ALLOWED_HOSTS" || { echo "make serve: set ALLOWED_HOSTS (the site's host names) in .env or the environment; see .env.example."; exit 1; }
	DEBUG=0 $(PY) manage.py collectstatic --no-input --verbosity 1
	DEBUG=0 $(PY) manage.py migrate --no-input
	DEBUG=0 bash -c 'for _ in $$(seq $${TASK_WORKERS:-1}); do nice -n 10 $(PY) manage.py db_worker --no-reload & done; \
	  trap "kill $$(jobs -p) 2>/dev/null" EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --config ombudsman/gunicorn.conf.py --bind $(HOST):$(PORT)'

test: install
	$(VENV)/bin/pytest

# The same suite on the PostgreSQL server (pytest-django creates and drops test_ombudsman_test).
test-postgres: install
	DATABASE_URL=$${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/ombudsman_test} $(VENV)/bin/pytest --create-db

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/statistics_year.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache staticfiles
