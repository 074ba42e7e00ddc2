# IntraSoft: `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := intrasoft

.PHONY: install install-dev run test test-sqlite test-mysql coverage lint format bench clean

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

coverage:
	$(BIN)/coverage report
	$(BIN)/coverage json -q -o coverage.json
	$(BIN)/python .ci/coverage_gate.py coverage.json

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: throughput and latency against a raw baseline (needs MariaDB on 127.0.0.1:3306 and wrk)
bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .coverage .coverage.* coverage.json htmlcov .pytest_cache .ruff_cache
