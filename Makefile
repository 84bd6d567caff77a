# Trusted Cloud Registry. `make run` serves the portal with demo data; `make test` runs the whole suite.
# With DATABASE_URL / REDIS_URL unset: SQLite and inline tasks. With them set: PostgreSQL and Redis.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local development and tests run with DEBUG on unless the environment says otherwise; production sets DEBUG=0.
export DEBUG ?= 1

.PHONY: run test lint format worker beat migrate demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

migrate: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_scheme
	$(BIN)/python manage.py seed_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.dev
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(VENV)/.runtime
	$(BIN)/celery -A trustedcloud worker --loglevel=info

beat: $(VENV)/.runtime
	$(BIN)/celery -A trustedcloud beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 private staticfiles .pytest_cache .ruff_cache
