# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
TEST_DB ?= crm
PYTEST_ARGS ?=

.PHONY: install messages run serve test lint bench worker beat clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

messages: install
	@$(BIN)/python scripts/compile_messages.py

run: install messages
	$(BIN)/python scripts/ensure_database.py
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

test: install messages
	$(BIN)/ruff check .
	@eval "$$($(BIN)/python scripts/services.py $(TEST_DB))"; \
	  echo "DATABASE_URL=$${DATABASE_URL:-<sqlite>} REDIS_URL=$${REDIS_URL:-<in-process>}"; \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install messages
	@eval "$$($(BIN)/python scripts/services.py crm_bench)"; \
	  DJANGO_SETTINGS_MODULE=crm_project.settings.local $(BIN)/python -m benchmarks.run

worker: install
	$(BIN)/celery -A crm_project worker -l info

beat: install
	$(BIN)/celery -A crm_project beat -l info

clean:
	rm -rf $(VENV) var/db.sqlite3
