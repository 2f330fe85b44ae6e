# Two commands on a fresh clone: `make run` and `make test`. Everything else is theirs to set up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PG_BIN := /usr/lib/postgresql/15/bin
STREAMLIT_FLAGS := --server.address 127.0.0.1 --server.port $(PORT) --server.headless true \
	--browser.gatherUsageStats false --server.fileWatcherType none

.PHONY: run test lint format system-deps migrate lock clean bench bench-pg bench-browser test-scaleout load

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	$(PY) -m core ensure-key
	$(PY) -m core migrate
	$(PY) -m core seed demo --if-empty
	@echo
	@echo "  Micro-mentoring portal: http://127.0.0.1:$(PORT)"
	@echo "  Demo logins (demo data only): demo-student, demo-student2, demo-alumni,"
	@echo "  demo-faculty, demo-admin; password: mentoring-demo-2026"
	@echo
	$(PY) -m streamlit run serve.py $(STREAMLIT_FLAGS)

# Debian's chromium for browser tests, PostgreSQL 15 for the throw-away test server and
# nginx for the scale-out test (never started as a service: the test runs its own on loopback).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -x $(PG_BIN)/initdb ] \
		|| ! { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1; then \
		echo "Installing chromium, PostgreSQL 15 and nginx from Debian's packages..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-dejavu-core postgresql-15 nginx-light >/dev/null \
		|| { echo "Could not install chromium/postgresql-15/nginx-light (need root and apt)."; \
			exit 1; }; \
	fi

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(VENV)/.dev-installed system-deps lint
	@mkdir -p build
	$(PY) -m pytest --junitxml=build/test-results.xml

# Performance (not part of `make test`): PROFILE=medium (default) or large; the profile is
# generated into build/bench-$(PROFILE).db when missing. Results: build/bench.json.
PROFILE ?= medium
bench: $(VENV)/.dev-installed
	@mkdir -p build
	PROFILE=$(PROFILE) $(PY) -m bench.run --profile $(PROFILE)

# What a person waits for (not part of `make test`): the app on the `large` profile (or the
# PROFILE given: `make bench-browser PROFILE=medium`) and a bare two-page app, timed click →
# last change of the page in headless Chromium. Results: build/bench-browser.json.
BROWSER_PROFILE := $(if $(filter command line environment,$(origin PROFILE)),$(PROFILE),large)
bench-browser: $(VENV)/.dev-installed system-deps
	@mkdir -p build
	$(PY) -m bench.browser --profile $(BROWSER_PROFILE)

# The same on a throw-away PostgreSQL 15 server (generated afresh on every run).
bench-pg: $(VENV)/.dev-installed system-deps
	@mkdir -p build
	PROFILE=$(PROFILE) $(PY) -m bench.pg --profile $(PROFILE)

migrate: $(VENV)/.runtime-installed
	$(PY) -m core migrate

# Re-pin every dependency after changing pyproject.toml (writes both requirement files).
lock: $(VENV)/.dev-installed
	$(PY) -m pip freeze --exclude-editable > build/freeze.txt
	@echo "Review build/freeze.txt and copy the pins into requirements*.txt"

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# Two streamlit processes on one PostgreSQL behind nginx, one killed mid-visit (also part of
# `make test`, about 25 s).
test-scaleout: $(VENV)/.dev-installed system-deps
	@mkdir -p build
	$(PY) -m pytest -m scaleout tests/reliability/test_scaleout.py -s

# Bounded load (not part of `make test`): 16 users on SQLite, 32 on PostgreSQL, LOAD_SECONDS each.
LOAD_SECONDS ?= 20
load: $(VENV)/.dev-installed system-deps
	$(PY) -m tests.reliability.load --seconds $(LOAD_SECONDS) --sqlite-users 16 --pg-users 32
