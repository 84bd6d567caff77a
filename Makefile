# Trusted Cloud Registry. `make run` serves the portal with demo data; `make test` runs the whole suite.
# With DATABASE_URL / REDIS_URL unset: SQLite and inline tasks. With them set: PostgreSQL and Redis.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local development and tests run with DEBUG on unless the environment says otherwise; production sets DEBUG=0.
export DEBUG ?= 1

.PHONY: run test lint format worker beat migrate demo clean check-deploy audit bench requirements backup

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

# The pins. requirements.txt and requirements-dev.txt are pip-tools' output (pip-compile, pinned in requirements-dev)
# from requirements.in and requirements-dev.in: edit those, then run this. A version already pinned stays unless an .in
# file rules it out; UPGRADE=--upgrade moves every pin to the newest release, UPGRADE="--upgrade-package NAME" one.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make requirements" $(BIN)/pip-compile --quiet --strip-extras \
	--no-emit-index-url --no-emit-trusted-host --no-emit-find-links $(UPGRADE)
requirements: $(VENV)/.dev
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

migrate: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_scheme
	$(BIN)/python manage.py seed_demo

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# axe-core for the accessibility tests (tests/e2e/test_accessibility.py) and the W3C Nu Html Checker for the validity
# test (tests/e2e/test_html_validity.py, run with the machine's Java), pinned by package.json and its lock file.
# --ignore-scripts: vnu-jar's install script would download a Java runtime; the machine's own Java runs it.
# Only where npm exists: without Node the rest of the suite still runs (those tests then skip, saying why).
AXE := node_modules/axe-core/axe.min.js
VNU := node_modules/vnu-jar/build/dist/vnu.jar
$(AXE) $(VNU) &: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $(AXE) $(VNU)

test: $(VENV)/.dev $(if $(shell command -v npm 2>/dev/null),$(AXE) $(VNU))
	$(BIN)/pytest

# The production configuration as a deployment has it (DEBUG off, throwaway random keys, a host name, HTTPS and its
# cookies and HSTS on by default, one load balancer in front that appends the client's address to X-Forwarded-For):
# Django's deployment checks and ours (trustedcloud/checks.py) must find nothing, not even a warning. The snapshots'
# and the trusted list's signing keys are the base64 of 32 random bytes (any is an Ed25519 key, and a P-256 one but
# for 1 in 2^32); the Redis host is never reached, the checks read the settings only.
check-deploy: $(VENV)/.runtime
	DEBUG=0 ALLOWED_HOSTS=registry.example SECURE_SSL_REDIRECT=1 SECURE_COOKIES=1 \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	SNAPSHOT_SIGNING_KEY="$$($(BIN)/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
	TRUSTED_LIST_SIGNING_KEY="$$($(BIN)/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
	MFA_ENCRYPTION_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	REDIS_URL=redis://redis.invalid:6379/0 TRUSTED_PROXY_COUNT=1 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Static analysis and inventory. bandit over the application code fails on any medium or high finding (an exception is
# an inline "# nosec BXXX" with its reason on the line); its full report, low findings included, and the licence
# inventory of every installed package are written to $(AUDIT_DIR)/, which is not committed.
AUDIT_DIR := build/audit
# bandit and pip-licenses are pinned in requirements-dev.txt.
audit: $(VENV)/.dev
	@mkdir -p $(AUDIT_DIR)
	$(BIN)/bandit -q -r registry trustedcloud --exit-zero -f txt -o $(AUDIT_DIR)/bandit.txt
	$(BIN)/bandit -q -r registry trustedcloud --severity-level medium
	$(BIN)/pip-licenses --from=mixed --with-urls --format=markdown --output-file=$(AUDIT_DIR)/licences.md
	$(BIN)/pip-licenses --from=mixed --with-urls --format=json --output-file=$(AUDIT_DIR)/licences.json
	@echo "audit: reports written to $(AUDIT_DIR)/"

# ruff, and the architecture's import contracts (pyproject.toml, docs/architecture.md).
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(VENV)/.runtime
	$(BIN)/celery -A trustedcloud worker --loglevel=info

beat: $(VENV)/.runtime
	$(BIN)/celery -A trustedcloud beat --loglevel=info

# Benchmarks (bench/README.md), never part of make test: the portal under gunicorn on PostgreSQL and Redis, which must
# be up (DATABASE_URL names the server, throwaway databases are made there; REDIS_URL, default db 5). wrk comes from
# Debian when missing, as .ci/run installs chromium. The public pages with the page cache off and on at 10,000 and
# 100,000 services, about 15 minutes on 2 CPUs; BENCH_ARGS="--services 10000 --duration 10" for one size, longer runs.
BENCH_ARGS ?=
bench: $(VENV)/.runtime
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The database (pg_dump) and every private file, with a manifest of SHA-256 sums, into a new folder named for the time
# inside $(BACKUP_DIR) (README "Backup and restore"). PostgreSQL only; the environment is the installation's own.
BACKUP_DIR ?= backups/
backup: $(VENV)/.runtime
	$(BIN)/python manage.py backup_registry --output "$(BACKUP_DIR)"

clean:
	rm -rf $(VENV) db.sqlite3 private staticfiles .pytest_cache .ruff_cache build node_modules
