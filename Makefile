# archreview: `make run` to serve the app, `make test` to run the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
MANAGE := $(BIN)/python manage.py
PORT ?= 8000

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/archreview
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run setup static test lint fmt bench install install-dev services clean browser-deps screenshots

# --- install ----------------------------------------------------------------------------------
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

# --- run: web + worker in the foreground, SQLite and a filesystem broker under var/ unless
# DATABASE_URL / CELERY_BROKER_URL say otherwise. Every step is idempotent.
var/secret_key:
	@mkdir -p -m 700 var
	@(umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(64))" > $@)
	@echo "Generated a new SECRET_KEY in $@ (keep it private; it signs sessions)."

# Collected again only when our static files or the installed packages change.
STATIC_MANIFEST := $(or $(STATIC_ROOT),staticfiles)/staticfiles.json
$(STATIC_MANIFEST): $(STAMP) $(shell find static -type f 2>/dev/null) config/settings.py \
		config/staticfiles.py | var/secret_key
	$(MANAGE) collectstatic --noinput --clear --verbosity 0

static: $(STAMP) var/secret_key $(STATIC_MANIFEST)

# The same steps as `make run`, with their full output and without starting anything.
setup: static
	$(MANAGE) prepare

# Quiet: one line per step (scripts/run.py; the detail in var/log/run.log), then the URL and the
# first administrator's credentials in a box. Ctrl-C stops the web server and the worker.
run:
	@PORT=$(PORT) PYTHON=$(PYTHON) MAKE="$(MAKE)" $(PYTHON) scripts/run.py

# --- test: real PostgreSQL, Redis and Celery worker --------------------------------------------
# Starts the local PostgreSQL cluster and Redis when they are installed but stopped. pytest-django
# creates (and drops) its own test_<name> database, so no other database is ever touched.
services:
	@if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	  if ! command -v pg_ctlcluster >/dev/null || [ ! -d /etc/postgresql ]; then \
	    echo "make test needs PostgreSQL on 127.0.0.1:5432 and it is not installed."; \
	    echo "Install it (apt-get install postgresql) or set TEST_DATABASE_URL to a running server."; \
	    exit 1; fi; \
	  echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	fi
	@if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  if ! command -v redis-server >/dev/null; then \
	    echo "make test needs Redis on 127.0.0.1:6379 and it is not installed."; \
	    echo "Install it (apt-get install redis-server) or set TEST_BROKER_URL to a running server."; \
	    exit 1; fi; \
	  echo "Starting Redis"; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null; \
	  for i in $$(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done; \
	fi

# Browser tests (tests/browser) need Chromium and pdftoppm from apt and axe-core from npm; the API
# walk-through needs curl. Each is installed only when missing.
browser-deps: $(AXE)
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v curl >/dev/null || missing="$$missing curl"; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "The browser tests need: $$missing (no apt-get here: install them, or set CHROMIUM=path)."; \
	    exit 1; fi; \
	  echo "Installing for the browser tests: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "The browser tests need npm (Node.js) for axe-core."; exit 1; }
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $@

# Two test processes by default (each with its own test database and Celery queue); set
# PYTEST_ARGS to run a subset, e.g. PYTEST_ARGS="tests/reviews -x".
PYTEST_ARGS ?= -n 2
test: $(DEV_STAMP) services browser-deps
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) SECRET_KEY=test-only \
	  ARCHREVIEW_TESTING=1 CHROMIUM_PATH=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

# Regenerate the README's screenshots (docs/screenshots/) from the browser journeys.
screenshots: $(DEV_STAMP) services browser-deps
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) SECRET_KEY=test-only \
	  ARCHREVIEW_TESTING=1 CHROMIUM_PATH=$(CHROMIUM) SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots \
	  $(BIN)/pytest tests/browser -q $(PYTEST_ARGS)

# --- quality and figures ----------------------------------------------------------------------
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every bench/bench_*.py prints its own figures; see docs/benchmarks.md. Each one runs even when
# an earlier one missed its budget; `make bench` then fails at the end, naming them.
# Their own database (created when missing), so a benchmark never touches the tests' or yours;
# bench_http.py serves a scratch database beside it (<name>_http) with gunicorn on loopback.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/archreview_bench
bench: $(DEV_STAMP) services
	@$(BIN)/python bench/ensure_database.py $(BENCH_DATABASE_URL)
	@missed=""; for script in bench/bench_*.py; do \
	  [ -e "$$script" ] || continue; \
	  echo "== $$script"; \
	  DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) SECRET_KEY=bench-only \
	    ARCHREVIEW_TESTING=1 $(BIN)/python "$$script" || missed="$$missed $$script"; \
	done; \
	if [ -n "$$missed" ]; then echo "Missed a budget or failed:$$missed"; exit 1; fi

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
