# IntraSoft: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WEB_PORT ?= 8080
export FLASK_APP := intrasoft

.PHONY: install install-dev run dashboard test test-sqlite test-mysql coverage lint format bench clean \
	e2e-deps check-deploy frontend-install frontend-test frontend-build frontend-size frontend-lint \
	frontend-test-if-node

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

#: Demo tokens of `make run` in development (README, "Security"). Each one is exported only when its
#: variable is set neither in the environment nor in the env file; production refuses them (too short).
DEMO_TOKENS := API_TOKENS=dev-service-token API_READ_TOKENS=dev-read-token \
	API_USER_TOKENS=quinn:dev-quinn-token,jeff_goldblum:dev-jeff-token

## run: migrate, seed when empty, build the dashboard (with Node.js), then the API on
## http://$(HOST):$(PORT), the sync scheduler beside it, and Nginx serving the dashboard and the
## API on http://$(HOST):$(WEB_PORT) (nginx/ template; installed with apt when missing and root)
run: install
	$(BIN)/flask setup-db
	$(BIN)/flask seed --if-empty
	@$(MAKE) --no-print-directory dashboard
	@scripts/apt-ensure nginx:nginx gettext-base:envsubst || true
	@env_file="$${ENV_FILE:-.env}"; \
	environment="$${ENVIRONMENT-$$(sed -n 's/^ENVIRONMENT=//p' "$$env_file" 2>/dev/null | tail -n 1)}"; \
	if [ "$$(echo "$${environment:-development}" | tr '[:upper:]' '[:lower:]')" = development ]; then \
		for pair in $(DEMO_TOKENS); do \
			name="$${pair%%=*}"; \
			if ! printenv "$$name" >/dev/null && ! grep -qs "^$$name=" "$$env_file"; then \
				export "$$pair"; echo "make run: demo token $$pair"; fi; \
		done; \
	fi; \
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) WEB_HOST=$(HOST) WEB_PORT=$(WEB_PORT) scripts/run-local

## dashboard: frontend/dist through the frontend's own frontend-build target, when Node.js is here
dashboard:
	@if [ "$${DASHBOARD:-1}" = 0 ]; then \
		echo "*** DASHBOARD=0: the dashboard is not built"; \
	elif [ ! -f frontend/package.json ]; then \
		echo "*** no frontend/package.json: no dashboard to build"; \
	elif ! command -v npm >/dev/null 2>&1; then \
		echo "*** Node.js (npm) is not installed: the dashboard is not built; the API is still served"; \
	elif ! $(MAKE) -n frontend-build >/dev/null 2>&1; then \
		echo "*** no frontend-build target: the dashboard is not built"; \
	else \
		$(MAKE) --no-print-directory frontend-build; \
	fi

## e2e-deps: Nginx (with envsubst) and Chromium from apt for the Nginx and browser tests, when
## missing and root; otherwise says what is missing (the tests then skip, or fail with E2E_REQUIRED=1)
e2e-deps:
	@scripts/apt-ensure nginx:nginx gettext-base:envsubst chromium:chromium || \
		[ "$${E2E_REQUIRED:-0}" != 1 ]

## check-deploy: compose, Dockerfiles, Nginx, Kubernetes, workflow, checkov, Prometheus, Grafana
check-deploy:
	bash .ci/check-deploy

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
	$(BIN)/lint-imports
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
	rm -rf $(VENV) .venv-ci instance/nginx .coverage .coverage.* coverage.json htmlcov .pytest_cache .ruff_cache
	rm -rf $(FRONTEND)/node_modules $(FRONTEND)/dist $(FRONTEND)/coverage
