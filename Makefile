# psabridge: `make run` starts the product, `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts unit pg-tests browser-deps venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: venv
	$(BIN)/psabridge run

# Debian's Chromium for the Playwright tests; never a downloaded browser.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	else echo "chromium missing and not root: run 'sudo apt-get install chromium'"; exit 1; fi

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: venv
	$(BIN)/mypy

contracts: venv
	$(BIN)/lint-imports

unit: venv browser-deps
	PSABRIDGE_REQUIRE_BROWSER=1 $(BIN)/pytest -p no:cacheprovider -q

# The server and end-to-end tests again on PostgreSQL + Redis when both answer.
pg-tests: venv
	@url=$$($(BIN)/python tests/services.py); \
	if [ -z "$$url" ]; then echo "PostgreSQL or Redis not reachable: PostgreSQL + Redis run skipped"; \
	else set -e; eval "$$url"; echo "== again on $$DATABASE_URL + $$REDIS_URL =="; \
	  DATABASE_URL=$$DATABASE_URL REDIS_URL=$$REDIS_URL $(BIN)/pytest -p no:cacheprovider -q tests/server tests/e2e; fi

# The SQLite and the PostgreSQL + Redis stages run side by side (each has its own database, queue
# and ports, and both mostly wait on sockets and clocks); each stage's output is shown whole.
test: lint typecheck contracts
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit pg-tests

bench: venv
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
