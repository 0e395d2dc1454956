# Everyday Lifeboard commands. `make help` lists them; the README explains each.
# Variables can be overridden on the command line, e.g. `make logs SERVICE=backend-core`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

COMPOSE ?= docker compose
# Creates .env from .env.example with random secrets when it is missing (stdlib Python only).
INIT_ENV ?= python3 scripts/init-env.py
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
# `make lock`: pip-compile (pip-tools, from requirements-dev.txt) turns each readable
# requirements*.in into a requirements*.txt lock, every transitive package pinned with the hashes
# of all its published files (so the arm64 images install from the same lock). Existing pins are
# kept; LOCK_ARGS=--upgrade moves every unpinned transitive package to its newest release.
LOCK_TOOL ?= $(BIN)pip-compile
LOCK_ARGS ?=
LOCK_OPTS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
BACKUP_DIR ?= backups
ENV_FILE ?= .env
# Dumps `make backup` keeps, newest first (0 = all): command line or environment, else .env,
# else 14.
BACKUP_KEEP ?= $(or $(shell sed -n 's/^BACKUP_KEEP=\([0-9][0-9]*\).*/\1/p' $(ENV_FILE) 2>/dev/null | tail -n 1),14)
STAMP := $(shell date +%Y%m%d-%H%M)
BACKUP_FILE := $(BACKUP_DIR)/lifeboard-$(STAMP).sql.gz
# .env beside each dump: TOKEN_ENCRYPTION_KEY and the passwords exist nowhere else.
BACKUP_ENV := $(BACKUP_DIR)/lifeboard-$(STAMP).env
# Where pg_dump / psql run: the db container. The tests point it at a local server instead.
DB_EXEC ?= $(COMPOSE) exec -T db
# The services that hold database connections; stopped while a backup is restored.
DB_CLIENTS ?= backend-core grafana

.PHONY: help up down logs ps test lint bench bench-ocr bench-upload bench-scale migrate backup \
	restore sync-fit native-up native-down native-status kube-render lock

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  make %-14s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

up: ## Create .env with random secrets if missing, build, start and wait, print the URLs
	$(INIT_ENV)
	$(COMPOSE) up -d --build --wait
	@$(INIT_ENV) --show

down: ## Stop the stack; data stays in the named volumes
	$(COMPOSE) down

logs: ## Follow the logs (SERVICE=backend-core for one service)
	$(COMPOSE) logs -f --tail=200 $(SERVICE)

ps: ## Show the containers and their health
	$(COMPOSE) ps

test: ## Run every test: ./scripts/test.sh (ARGS="-k receipts" goes to pytest)
	./scripts/test.sh $(ARGS)

lint: ## ruff, mypy --strict, hadolint, compose, workflow and Dependabot schemas, actionlint
	$(BIN)ruff check .
	$(BIN)mypy
	git ls-files -z '*Dockerfile' '*Dockerfile.*' | xargs -0 -r $(BIN)hadolint
	$(BIN)check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(BIN)check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
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

# Order matters: ocr-worker compiles against backend-core's lock, RapidOCR against ocr-worker's,
# the dev tools against both (one venv holds them all). RapidOCR's opencv-python (the GUI build)
# is left out of its lock as an "unsafe" package: opencv-python-headless stands in for it.
lock: ## Recompile the hashed requirements*.txt locks from the requirements*.in files
	$(LOCK_TOOL) $(LOCK_OPTS) --allow-unsafe --output-file=backend-core/requirements.txt \
		backend-core/requirements.in
	$(LOCK_TOOL) $(LOCK_OPTS) --allow-unsafe --output-file=ocr-worker/requirements.txt \
		ocr-worker/requirements.in
	$(LOCK_TOOL) $(LOCK_OPTS) --no-allow-unsafe --unsafe-package=opencv-python \
		--output-file=ocr-worker/requirements-nodeps.txt ocr-worker/requirements-nodeps.in
	$(LOCK_TOOL) $(LOCK_OPTS) --allow-unsafe --output-file=requirements-dev.txt requirements-dev.in

migrate: ## Apply database migrations (alembic upgrade head in the migrate container)
	$(COMPOSE) run --rm migrate

backup: ## pg_dump to backups/lifeboard-YYYYmmdd-HHMM.sql.gz, .env beside it; keeps BACKUP_KEEP (14)
	@case "$(BACKUP_KEEP)" in ''|*[!0-9]*) echo "backup: BACKUP_KEEP must be a number, not '$(BACKUP_KEEP)'" >&2; exit 2;; esac
	mkdir -p -m 700 $(BACKUP_DIR)
	$(DB_EXEC) sh -c 'pg_dump -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" --clean --if-exists --no-owner' \
		| (umask 077; gzip > $(BACKUP_FILE).part)
	mv $(BACKUP_FILE).part $(BACKUP_FILE)
	@echo "backup written to $(BACKUP_FILE)"
	@if [ -f "$(ENV_FILE)" ]; then \
		(umask 077; cp "$(ENV_FILE)" "$(BACKUP_ENV).part") && chmod 600 "$(BACKUP_ENV).part" \
			&& mv "$(BACKUP_ENV).part" "$(BACKUP_ENV)" && echo "$(ENV_FILE) copied to $(BACKUP_ENV) (mode 600)"; \
	else echo "backup: WARNING: no $(ENV_FILE) to copy; keep your secrets (TOKEN_ENCRYPTION_KEY) safe yourself" >&2; fi
	@keep=$(BACKUP_KEEP); if [ "$$keep" -gt 0 ]; then \
		ls -1 $(BACKUP_DIR) | { grep -E '^lifeboard-[0-9]{8}-[0-9]{4}\.sql\.gz$$' || true; } | sort -r | tail -n +$$((keep + 1)) \
		| while read -r old; do \
			rm -f "$(BACKUP_DIR)/$$old" "$(BACKUP_DIR)/$${old%.sql.gz}.env"; echo "removed old backup $$old"; \
		done; \
	fi

restore: ## Restore a backup: make restore FILE=backups/lifeboard-....sql.gz
	@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=backups/lifeboard-YYYYmmdd-HHMM.sql.gz" >&2; exit 2; fi
	@if [ ! -r "$(FILE)" ]; then echo "restore: cannot read $(FILE)" >&2; exit 2; fi
	clients="$(DB_CLIENTS)"; \
	if [ -n "$$clients" ]; then $(COMPOSE) stop $$clients; trap '$(COMPOSE) start '"$$clients" EXIT; fi; \
	case "$(FILE)" in *.gz) gzip -dc "$(FILE)" ;; *) cat "$(FILE)" ;; esac \
		| $(DB_EXEC) sh -c 'psql -q -v ON_ERROR_STOP=1 -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"' >/dev/null
	@echo "restored $(FILE)"
	@env="$(FILE)"; env="$${env%.sql.gz}"; env="$${env%.sql}.env"; \
	if [ -f "$$env" ]; then echo "on a new machine, also restore the secrets: cp $$env $(ENV_FILE)"; fi

sync-fit: ## Sync the last DAYS (7) days from Google Fit / Health API
	$(COMPOSE) exec backend-core python -m app.cli fit-sync --days $(DAYS)

native-up: ## Start the stack without Docker (scripts/native-stack.sh up)
	./scripts/native-stack.sh up

native-down: ## Stop the native stack
	./scripts/native-stack.sh down

native-status: ## Show the native stack's services and URLs
	./scripts/native-stack.sh status
