# IntraSoft: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := intrasoft

.PHONY: install install-dev run test test-sqlite test-mysql coverage lint format bench clean \
	frontend-install frontend-test frontend-build frontend-size frontend-lint frontend-test-if-node

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate, seed when empty, then the API on http://$(HOST):$(PORT) and the sync scheduler beside it
run: install
	$(BIN)/flask setup-db
	$(BIN)/flask seed --if-empty
	$(BIN)/flask scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) "intrasoft:create_app()"

## test: the whole suite on SQLite, and on MySQL too when TEST_DATABASE_URL is set; coverage gate
test: install-dev
	rm -f .coverage .coverage.* coverage.json
	TEST_DATABASE_URL= $(BIN)/python -m pytest --cov --cov-report= --cov-fail-under=0
	if [ -n "$$TEST_DATABASE_URL" ]; then \
		$(BIN)/python -m pytest --cov --cov-append --cov-report= --cov-fail-under=0; fi
	$(MAKE) --no-print-directory coverage
	$(MAKE) --no-print-directory frontend-test-if-node

coverage:
	$(BIN)/coverage report
	$(BIN)/coverage json -q -o coverage.json
	$(BIN)/python .ci/coverage_gate.py coverage.json

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory frontend-lint; \
	else echo '!! Node.js/npm not found: the dashboard was NOT linted (eslint).'; fi

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: throughput and latency against a raw baseline (needs MariaDB on 127.0.0.1:3306 and wrk)
bench: install-dev
	$(BIN)/python -m bench

## The dashboard (frontend/, Vue 2 + Vite + Jest). Needs Node.js 18+ and npm.
FRONTEND := frontend
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(FRONTEND)/index.html $(FRONTEND)/vite.config.js $(FRONTEND)/package.json $(FRONTEND)/package-lock.json

# npm ci only when package.json or the lock file changed since the last install.
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

frontend-install: $(FRONTEND)/node_modules/.installed

## frontend-lint: eslint + eslint-plugin-vue over src, tests and scripts
frontend-lint: frontend-install
	cd $(FRONTEND) && npm run --silent lint

## frontend-test: Jest with the coverage gate (85% lines and branches)
frontend-test: frontend-install
	cd $(FRONTEND) && npm test -- --ci

# The build is skipped while dist/ is newer than every source file.
$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build
	touch $@

## frontend-build: dist/ for Nginx, then the chunk sizes (fails over the 120 KB first-page budget)
frontend-build: $(FRONTEND)/dist/index.html
	cd $(FRONTEND) && npm run --silent size

frontend-size: frontend-build

# make test runs Jest too when Node.js is here; FRONTEND_REQUIRED=1 makes its absence an error.
frontend-test-if-node:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory frontend-test; \
	else \
		echo ''; \
		echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'; \
		echo '!! Node.js/npm not found: the dashboard tests (frontend/, Jest) did NOT run.'; \
		echo '!! Install Node.js 18+ (e.g. apt-get install nodejs npm) and run make test again.'; \
		echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'; \
		echo ''; \
		if [ "$${FRONTEND_REQUIRED:-0}" = 1 ]; then exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) .coverage .coverage.* coverage.json htmlcov .pytest_cache .ruff_cache
	rm -rf $(FRONTEND)/node_modules $(FRONTEND)/dist $(FRONTEND)/coverage
