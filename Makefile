# Wardline. `make run` and `make test` work on a fresh clone: they build .venv themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-e2e test-browser install migrate seed bench bench-db reliability clean help

help:
	@echo "make run    - install, migrate, seed the demo borough, run every service"
	@echo "make test   - install and run the whole test suite (real RabbitMQ and PostgreSQL)"
	@echo "make bench  - the whole-pipeline benchmark against the machine's own limit (not in make test)"
	@echo "make bench-db - does a PostgreSQL call block the eventlet hub? (prints timings)"
	@echo "make reliability - long fault-injection run: kills, broker restart, database stop (prints a table)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/wardline migrate

seed: install
	$(BIN)/wardline demo seed --if-empty

run: install
	$(BIN)/wardline migrate
	$(BIN)/wardline demo seed --if-empty
	@echo "wardline: serving http://$${WARDLINE_HTTP_HOST:-127.0.0.1}:$${WARDLINE_HTTP_PORT:-8000}/  (Ctrl-C stops everything; the demo story is played once they answer)"
	WARDLINE_MFA_REQUIRED_ROLES=$${WARDLINE_MFA_REQUIRED_ROLES:-none} $(BIN)/wardline run all --story

test: install
	$(BIN)/python -m pytest tests
	WARDLINE_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

test-unit: install
	$(BIN)/python -m pytest tests/unit

test-integration: install
	$(BIN)/python -m pytest tests/integration

test-e2e: install
	$(BIN)/python -m pytest tests/e2e

test-browser: install
	WARDLINE_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

bench: install
	$(BIN)/python -m bench.run

reliability: install
	$(BIN)/python -m bench.reliability

bench-db: install
	$(BIN)/python bench/db_cooperation.py $${WARDLINE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}

clean:
	rm -rf $(VENV) var .pytest_cache
