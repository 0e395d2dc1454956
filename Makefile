# Everyday Lifeboard commands. `make help` lists them; the README explains each.
# Variables can be overridden on the command line, e.g. `make logs SERVICE=backend-core`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

COMPOSE ?= docker compose
VENV ?= .venv
BIN := $(VENV)/bin/
PYTHON := $(abspath $(VENV))/bin/python
SERVICE ?=
DAYS ?= 7
ARGS ?=
# Benchmarks: generated receipts for the OCR one; the upload one needs a running gateway
# (docker compose or scripts/native-stack.sh, which prints GATEWAY_URL=...).
BENCH_N ?= 40
BENCH_SEED ?= 7
GATEWAY_URL ?= http://127.0.0.1:$(or $(GATEWAY_PORT),8080)
UPLOADS ?= 30
CONCURRENCY ?= 10
# Scale-out benchmark: receipts per burst, repetitions of the 1-vs-2 OCR worker comparison.
RECEIPTS ?= 24
ROUNDS ?= 1
# Kubernetes: the overlay rendered by `make kube-render`.
OVERLAY ?= example
BACKUP_DIR ?= backups
STAMP := $(shell date +%Y%m%d-%H%M)
BACKUP_FILE := $(BACKUP_DIR)/lifeboard-$(STAMP).sql.gz
# Where pg_dump / psql run: the db container. The tests point it at a local server instead.
DB_EXEC ?= $(COMPOSE) exec -T db
# The services that hold database connections; stopped while a backup is restored.
DB_CLIENTS ?= backend-core grafana

.PHONY: help up down logs ps test lint bench bench-ocr bench-upload bench-scale migrate backup \
	restore sync-fit native-up native-down native-status kube-render

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  make %-14s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

up: ## Build and start the whole stack in the background (docker compose up -d)
	$(COMPOSE) up -d --build

down: ## Stop the stack; data stays in the named volumes
	$(COMPOSE) down

logs: ## Follow the logs (SERVICE=backend-core for one service)
	$(COMPOSE) logs -f --tail=200 $(SERVICE)

ps: ## Show the containers and their health
	$(COMPOSE) ps

test: ## Run every test: ./scripts/test.sh (ARGS="-k receipts" goes to pytest)
	./scripts/test.sh $(ARGS)

lint: ## ruff, hadolint, compose and workflow schemas, actionlint
	$(BIN)ruff check .
	git ls-files -z '*Dockerfile' '*Dockerfile.*' | xargs -0 -r $(BIN)hadolint
	$(BIN)check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(BIN)check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)python -m pytest -q --noconftest -p no:cacheprovider tests/test_workflows.py

bench: bench-ocr bench-upload ## Both benchmarks: OCR accuracy/speed and upload latency

bench-ocr: ## OCR accuracy and cost per receipt vs plain Tesseract (BENCH_N=40 BENCH_SEED=7)
	cd ocr-worker && OMP_THREAD_LIMIT=1 $(PYTHON) -m bench --n $(BENCH_N) --seed $(BENCH_SEED)

bench-upload: ## Upload ack latency p50/p95 and receipts/min through a running gateway (GATEWAY_URL)
	PYTHONPATH=ocr-worker $(PYTHON) backend-core/bench/upload_latency.py --gateway-url $(GATEWAY_URL) \
		--uploads $(UPLOADS) --concurrency $(CONCURRENCY)

bench-scale: ## Receipts/min with 1 vs 2 OCR workers, API and job cores apart (RECEIPTS=24 ROUNDS=1)
	$(PYTHON) backend-core/bench/scale_out.py --receipts $(RECEIPTS) --rounds $(ROUNDS) \
		--ocr-workers 1 2

kube-render: ## Render the Kubernetes manifests of deploy/kubernetes/overlays/$(OVERLAY) (no cluster)
	$(BIN)kubectl kustomize deploy/kubernetes/overlays/$(OVERLAY)

migrate: ## Apply database migrations (alembic upgrade head in the migrate container)
	$(COMPOSE) run --rm migrate

backup: ## pg_dump the database to backups/lifeboard-YYYYmmdd-HHMM.sql.gz
	mkdir -p $(BACKUP_DIR)
	$(DB_EXEC) sh -c 'pg_dump -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" --clean --if-exists --no-owner' \
		| gzip > $(BACKUP_FILE).part
	mv $(BACKUP_FILE).part $(BACKUP_FILE)
	@echo "backup written to $(BACKUP_FILE)"

restore: ## Restore a backup: make restore FILE=backups/lifeboard-....sql.gz
	@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=backups/lifeboard-YYYYmmdd-HHMM.sql.gz" >&2; exit 2; fi
	@if [ ! -r "$(FILE)" ]; then echo "restore: cannot read $(FILE)" >&2; exit 2; fi
	clients="$(DB_CLIENTS)"; \
	if [ -n "$$clients" ]; then $(COMPOSE) stop $$clients; trap '$(COMPOSE) start '"$$clients" EXIT; fi; \
	case "$(FILE)" in *.gz) gzip -dc "$(FILE)" ;; *) cat "$(FILE)" ;; esac \
		| $(DB_EXEC) sh -c 'psql -q -v ON_ERROR_STOP=1 -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"' >/dev/null
	@echo "restored $(FILE)"

sync-fit: ## Sync the last DAYS (7) days from Google Fit / Health API
	$(COMPOSE) exec backend-core python -m app.cli fit-sync --days $(DAYS)

native-up: ## Start the stack without Docker (scripts/native-stack.sh up)
	./scripts/native-stack.sh up

native-down: ## Stop the native stack
	./scripts/native-stack.sh down

native-status: ## Show the native stack's services and URLs
	./scripts/native-stack.sh status
