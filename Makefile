# Two commands matter: `make run` (the whole system on embedded defaults) and
# `make test` (the whole suite). Everything else here is what they build on.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APP_VENV  := .venv
RASA_VENV := .venv-rasa
UV        := $(APP_VENV)/bin/uv
PY        := $(APP_VENV)/bin/python
RASA      := $(RASA_VENV)/bin/rasa
UV_VERSION := 0.13.9

export UV_PYTHON_DOWNLOADS := never
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)
# Local defaults for the processes of the Procfile; the environment (or .env) wins.
export APP_PORT ?= 5000
# The v1 API the action server calls has its own gunicorn (Procfile `api`): a chat turn
# holding a thread of `web` never waits for a thread its own actions need (issue 14).
export API_PORT ?= 5001
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
export HOSPITAL_API_URL ?= http://127.0.0.1:$(API_PORT)
export HOSPITAL_API_TOKEN ?= dev-hospital-api-token
# Rasa's stores (bot/endpoints.yml): embedded defaults for one Rasa process.
export RASA_TRACKER_STORE_URL ?= sqlite:///var/rasa/tracker.db
export RASA_LOCK_STORE_TYPE ?= in_memory
export RASA_LOCK_STORE_HOST ?=
export RASA_LOCK_STORE_PORT ?=
export RASA_LOCK_STORE_DB ?=
export RASA_LOCK_STORE_PASSWORD ?=
# Shared secrets between the app, Rasa's HTTP API and the action server (dev values).
export RASA_AUTH_TOKEN ?= dev-rasa-auth-token
export ACTION_SERVER_TOKEN ?= dev-action-server-token

RASA_DATA   := data/nlu data/rules data/stories
RASA_INPUTS := $(shell find bot data/nlu data/rules data/stories -name '*.yml' 2>/dev/null) bot/config.yml
RASA_MODEL  := var/rasa/models/current.tar.gz

.PHONY: help run test test-slow test-fast lint format db seed train nlu-report triage-report pii-scan bench clean lock check-system browser venv

help:
	@echo "make run    - set up on first use, then start every process (app, Rasa, actions, Celery)"
	@echo "make test   - lint, type-check and run the test suite (make test-slow: the slow suites)"
	@echo "other: lint, format, db, train, nlu-report, triage-report, bench, lock, clean"

# --- environments ------------------------------------------------------------
$(APP_VENV)/.stamp: requirements.txt requirements-dev.txt
	@py=$$(scripts/find_python.sh 3.11) && \
	  { [ -x $(PY) ] || $$py -m venv $(APP_VENV); } && \
	  { [ -x $(UV) ] || { $(PY) -m ensurepip >/dev/null 2>&1; $(PY) -m pip install -q "uv==$(UV_VERSION)"; }; } && \
	  VIRTUAL_ENV=$(APP_VENV) $(UV) pip install -q --compile-bytecode -r requirements.txt -r requirements-dev.txt
	@touch $@

$(RASA_VENV)/.stamp: requirements-rasa.txt $(APP_VENV)/.stamp
	@py=$$(scripts/find_python.sh 3.10) && \
	  { [ -x $(RASA_VENV)/bin/python ] || $(UV) venv -q -p $$py $(RASA_VENV); } && \
	  VIRTUAL_ENV=$(RASA_VENV) $(UV) pip install -q --compile-bytecode -r requirements-rasa.txt
	@touch $@

venv: $(APP_VENV)/.stamp $(RASA_VENV)/.stamp

lock: $(APP_VENV)/.stamp
	$(UV) pip compile -q -p 3.11 requirements.in -o requirements.txt
	$(UV) pip compile -q -p 3.11 requirements-dev.in -o requirements-dev.txt
	$(UV) pip compile -q -p $$(scripts/find_python.sh 3.10) requirements-rasa.in -o requirements-rasa.txt

check-system:
	@scripts/check_system.sh

browser:
	@scripts/ensure_chromium.sh

# --- Rasa model: trained when missing or when its data changed ---------------
$(RASA_MODEL): $(RASA_VENV)/.stamp $(RASA_INPUTS)
	@mkdir -p var/rasa/models
	$(RASA) train --config bot/config.yml --domain bot/domain.yml --data $(RASA_DATA) \
	  --out var/rasa/models --fixed-model-name current

train: $(RASA_MODEL)

# --- database --------------------------------------------------------------
db: $(APP_VENV)/.stamp
	@mkdir -p var
	$(APP_VENV)/bin/flask --app app db-upgrade
	$(APP_VENV)/bin/flask --app app seed --if-empty

# --- the two commands ------------------------------------------------------
run: check-system venv train db
	@scripts/print_urls.sh
	$(APP_VENV)/bin/honcho start -f Procfile

# `make test` stays under 25 minutes on 2 cores: the slow suites (real training runs, the
# Patroni failover, flash crowds, Rasa's own story tests) are behind the `slow` marker and
# run by `make test-slow`; CI (.ci/run) runs both.
test: check-system venv train browser lint
	$(PY) -m pytest -m "not slow"
	@echo "make test left out the slow suites (pytest -m slow): run them with 'make test-slow'; CI runs both."

test-slow: check-system venv train browser
	$(PY) -m pytest -m slow

test-fast: $(APP_VENV)/.stamp
	$(PY) -m pytest -m "not slow"

lint: $(APP_VENV)/.stamp
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/ruff format --check .
	$(APP_VENV)/bin/mypy

format: $(APP_VENV)/.stamp
	$(APP_VENV)/bin/ruff format .
	$(APP_VENV)/bin/ruff check --fix .

nlu-report: $(RASA_VENV)/.stamp
	$(RASA_VENV)/bin/python scripts/nlu_report.py

triage-report: $(APP_VENV)/.stamp
	$(PY) scripts/triage_report.py
	$(PY) scripts/triage_blind_report.py
	$(PY) scripts/triage_blind_report.py --cv

bench: $(APP_VENV)/.stamp
	$(PY) bench/booking_flash_crowd.py

# Plaintext ID numbers or phones in the app's database, Rasa's tracker store, the broker or
# var/log (scripts/pii_scan.py), meant to run after the end-to-end journeys. Exit 1 when found.
pii-scan: $(APP_VENV)/.stamp
	$(PY) scripts/pii_scan.py

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
