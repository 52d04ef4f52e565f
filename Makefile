# ecoreg: `make run` runs the system with sample data, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

REGISTRY_PORT ?= 8081
REGISTRY_DATABASE_URL ?= sqlite:///.data/registry.db
METRICS_PORT ?= 8082
METRICS_DATABASE_URL ?= sqlite:///.data/metrics.db
GATEWAY_PORT ?= 8080
GATEWAY_DATABASE_URL ?= sqlite:///.data/gateway.db
REGISTRY_URL ?= http://127.0.0.1:$(REGISTRY_PORT)
METRICS_URL ?= http://127.0.0.1:$(METRICS_PORT)
WEB_CONCURRENCY ?= 2
export REGISTRY_PORT REGISTRY_DATABASE_URL METRICS_PORT METRICS_DATABASE_URL GATEWAY_PORT GATEWAY_DATABASE_URL
export REGISTRY_URL METRICS_URL WEB_CONCURRENCY

# `make run` only: a fixed admin key and internal token so the README's examples work
# as written. A deployment sets its own secrets (see the README); tests set their own.
run: export GATEWAY_ADMIN_KEY ?= local-admin-key
run: export INTERNAL_TOKEN ?= local-internal-token
# Rate limits are counted in Redis so every gateway process shares one count: `make run`
# uses the local Redis when one answers, and runs a single gateway process when none does
# (each process would otherwise count on its own, and the advertised limit would not hold).
run: export REDIS_URL ?= $(shell $(BIN)/ecoreg-gateway local-redis)
run: export GATEWAY_WORKERS ?= $(if $(REDIS_URL),$(WEB_CONCURRENCY),1)

PACKAGES := -e libs/common -e libs/client -e services/registry -e services/metrics -e gateway

.PHONY: venv run test lint format bench clean

venv: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt libs/common/pyproject.toml services/registry/pyproject.toml services/metrics/pyproject.toml gateway/pyproject.toml libs/client/pyproject.toml
	@test -n "$(PYTHON)" || { echo "need python3.11 on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

## Run every service with sample data, in the foreground (Ctrl-C stops them all).
run: venv
	$(BIN)/ecoreg-registry migrate
	$(BIN)/ecoreg-registry seed --if-empty
	$(BIN)/ecoreg-metrics migrate
	$(BIN)/ecoreg-gateway migrate
	@echo
	@echo "ecoreg dashboard: http://127.0.0.1:$(GATEWAY_PORT)/   (API: /api/v1/..., docs: /docs, OpenAPI: /api/v1/openapi.json)"
	@echo "admin key:      $(GATEWAY_ADMIN_KEY)   (Authorization: Bearer $(GATEWAY_ADMIN_KEY))"
	@echo "behind it:      registry http://127.0.0.1:$(REGISTRY_PORT), metrics http://127.0.0.1:$(METRICS_PORT) (they answer only with the internal token)"
	@echo
	$(BIN)/honcho start

## The whole suite, on SQLite and on PostgreSQL: TEST_POSTGRES_URL when set, else the local
## server when one answers (LOCAL_POSTGRES_URL); without either the PostgreSQL variants are skipped.
LOCAL_POSTGRES_URL ?= postgresql+psycopg://$(shell id -un)@127.0.0.1:5432/postgres

test: venv
	@if [ -z "$$TEST_POSTGRES_URL" ]; then \
	    if $(BIN)/python -m ecoreg_common.testing probe "$(LOCAL_POSTGRES_URL)"; then \
	        export TEST_POSTGRES_URL="$(LOCAL_POSTGRES_URL)"; \
	        echo "make test: PostgreSQL variants run on the local server ($(LOCAL_POSTGRES_URL))"; \
	    else \
	        echo "make test: NO PostgreSQL answers at $(LOCAL_POSTGRES_URL) and TEST_POSTGRES_URL is unset:"; \
	        echo "           every PostgreSQL variant will be SKIPPED (set TEST_POSTGRES_URL to run them)"; \
	    fi; \
	else \
	    echo "make test: PostgreSQL variants run on TEST_POSTGRES_URL"; \
	fi; \
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint --config .hadolint.yaml services/*/Dockerfile gateway/Dockerfile

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks print figures; they need PostgreSQL (BENCH_POSTGRES_URL).
bench: venv
	$(BIN)/python bench/registry_batch_load.py
	$(BIN)/python bench/metrics_scale.py
	$(BIN)/python bench/gateway_polling.py

clean:
	rm -rf $(VENV) .data .pytest_cache
