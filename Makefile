# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
TEST_DB ?= crm
PYTEST_ARGS ?=

.PHONY: install messages run serve test lint bench loadtest worker beat clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

messages: install
	@$(BIN)/python scripts/compile_messages.py

# PostgreSQL and Redis: scripts/services.py decides (DATABASE_URL / REDIS_URL when set and
# not empty; otherwise, for test and bench, the servers on 127.0.0.1 when they answer;
# otherwise an embedded PostgreSQL with its data in var/postgres, stopped on exit).
SERVICES := $(BIN)/python scripts/with_services.py

run: install messages
	@$(SERVICES) run -- $(MAKE) --no-print-directory serve

# `make run` without choosing the services: DATABASE_URL must be set.
serve: install messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py demo_logins
	@# With Redis, tasks go to a queue: run a worker (with beat) beside the server.
	@trap 'kill 0' EXIT; \
	if [ -n "$$REDIS_URL" ]; then \
	  echo "Celery worker and beat on $$REDIS_URL"; \
	  $(BIN)/celery -A crm_project worker -B -l warning --concurrency 2 \
	    --schedule var/celerybeat-schedule & \
	fi; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

COVERAGE := --cov --cov-report=term:skip-covered

test: install messages
	$(BIN)/ruff check .
	@$(SERVICES) test --database $(TEST_DB) -- $(BIN)/python -m pytest $(COVERAGE) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install messages
	@$(SERVICES) bench --database crm_bench -- env DJANGO_SETTINGS_MODULE=crm_project.settings.local \
	  $(BIN)/python -m benchmarks.run

# 20 clients for 2 minutes over every role's main pages and API calls, against gunicorn on
# 127.0.0.1 (database crm_loadtest, demo data loaded once): benchmarks/loadtest.py.
# LOADTEST_CLIENTS, LOADTEST_SECONDS, LOADTEST_THINK, LOADTEST_WORKERS change it.
loadtest: install messages
	@$(SERVICES) bench --database crm_loadtest -- $(BIN)/python -m benchmarks.loadtest

worker: install
	@$(SERVICES) run -- $(BIN)/celery -A crm_project worker -l info

beat: install
	@$(SERVICES) run -- $(BIN)/celery -A crm_project beat -l info

# Keeps var/ (the embedded PostgreSQL's data, uploads): `rm -rf var` starts from nothing.
clean:
	rm -rf $(VENV)
