# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Port of the local cluster; scripts/devdb.sh reads it too.
DEV_DB_PORT ?= 54329
export DEV_DB_PORT

# DATABASE_URL in the environment means: use that database and start no local cluster.
ifdef DATABASE_URL
DB_START := @echo "Using the database of DATABASE_URL; no local cluster started."
else
export DATABASE_URL := postgres://exile@127.0.0.1:$(DEV_DB_PORT)/exile_api
DB_START := scripts/devdb.sh start
endif

.PHONY: help venv db migrate seed run test lint format stop

help:
	@echo "make run    set up everything (venv, PostgreSQL, migrations, seed data) and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up the same and run the test suite, on every core"
	@echo "make test-servers  the tests that start servers of their own (gunicorn, schemathesis)"
	@echo "make browser-test  an editor's day in the admin, in headless Chromium (Selenium)"
	@echo "make screenshots  the same, saving the main admin pages into docs/screenshots/"
	@echo "make lint   ruff lint and format check, then mypy (registry, editorial, visibility, querysets, api)"
	@echo "make replica-test  reads on a streaming replica, writes on the primary (own clusters)"
	@echo "make faults  kill PostgreSQL under load: only 2xx or 503 problems, recovery, no lost write"
	@echo "make fuzz   fuzz every API operation with schemathesis against a local server"
	@echo "make bench  throughput and latency of the API against a no-framework floor (own databases)"
	@echo "make abuse  can one client within its rate limit stall the others? (bench's small database)"
	@echo "make contract  the OpenAPI description proven by generated Python and TypeScript clients"
	@echo "make stop   stop the local PostgreSQL cluster"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

db:
	$(DB_START)

migrate: venv db
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py load_seed

# The worker's output, while make run serves.
WORKER_LOG ?= /tmp/exile-worker.log
run: seed
	@echo
	@echo "Serving on http://$(HOST):$(PORT)/api/v1/ (docs: /api/docs/, admin: /admin/)."
	@echo "To use the admin, create your own account first:"
	@echo "    DATABASE_URL=$(DATABASE_URL) $(BIN)/python manage.py createsuperuser"
	@echo "The worker that sends subscriptions their changes runs beside it (its log: $(WORKER_LOG))."
	@echo
	@WEBHOOKS_ALLOW_LOOPBACK=$${WEBHOOKS_ALLOW_LOOPBACK:-true} PROCRASTINATE_LOG_LEVEL=INFO \
	  $(BIN)/python manage.py procrastinate worker \
	  >$(WORKER_LOG) 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite on every core (pytest-xdist, a test database per worker), without the tests that
# start servers of their own (`make test-servers`) or a browser (`make browser-test`): CI runs
# those as steps of their own. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: venv db
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not server and not browser"

# gunicorn and schemathesis against their own databases (tests/api/test_fuzz.py,
# tests/exile_api/test_read_cache.py's across-processes test): a minute, mostly the fuzzer.
.PHONY: test-servers
test-servers: venv db
	$(BIN)/python -m pytest -m server

# An editor's day in the admin (tests/admin/test_browser.py): Selenium drives Debian's chromium
# and chromium-driver (apt-get install chromium chromium-driver), headless at 1400x900, against
# a live server on the test database; half a minute. Skipped without them, except when CI=true:
# then it fails. `make screenshots` keeps its screenshots of the main pages in docs/screenshots/.
.PHONY: browser-test screenshots
browser-test: venv db
	$(BIN)/python -m pytest -n 0 -m browser

screenshots: venv db
	BROWSER_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -n 0 -m browser

# A throw-away primary and streaming standby of its own (scripts/replica_test.sh); the local
# cluster and DATABASE_URL are not used.
.PHONY: replica-test
replica-test: venv
	scripts/replica_test.sh

# The database outage test (scripts/fault_test.py): its own cluster and gunicorn, a bounded
# read and write load, PostgreSQL killed (pg_ctl stop -m immediate) for FAULT_DOWN seconds and
# started again; fails on any answer but 2xx or a 503 problem with Retry-After, on a service
# that does not recover by itself, or on an acknowledged write missing from the database.
.PHONY: faults
faults: venv
	$(BIN)/python scripts/fault_test.py

# Benchmark (scripts/bench/bench.py): synthetic data at two scales in databases of its own
# (exile_bench_small, exile_bench_large, reused when built), the API under gunicorn with
# production settings against a no-framework floor, driven by wrk. BENCH_SCALES=small,
# BENCH_SECONDS (default 10) and BENCH_WARMUP (default 5) shorten it. Results: bench/results/.
.PHONY: bench
bench: venv db
	@command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && \
	  { apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; }; } || \
	  { echo "bench: needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python scripts/bench/bench.py

# One client within its rate limit against the others (scripts/abuse.py): a victim's read
# latency alone and while an attacker sends uncached summaries; exits 1 if its p90 doubles.
# Uses exile_bench_small (built when missing) and a server of its own on 127.0.0.1; not in CI.
.PHONY: abuse
abuse: venv db
	$(BIN)/python scripts/abuse.py

# Examples per operation and phase; tests/api/test_fuzz.py runs a smaller bound within `make test`.
FUZZ_MAX_EXAMPLES ?= 25

.PHONY: fuzz
fuzz: venv db
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) scripts/fuzz.sh

# The OpenAPI description against real clients (scripts/contract.sh): openapi-spec-validator,
# a generated Python client under mypy --strict, generated TypeScript types under tsc --strict,
# every GET and each kind of error validated live, and Spectral. Its own database
# (exile_contract) and server on 127.0.0.1; needs Node 20 and npm (npm ci of package-lock.json).
.PHONY: contract
contract: venv db
	scripts/contract.sh

# mypy's Django plugin imports the settings (no database connection: DATABASE_URL is only parsed).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

stop:
	@if [ -d .pgdata ]; then scripts/devdb.sh stop; else echo "no local cluster"; fi
