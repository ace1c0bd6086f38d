# Two commands do everything on a fresh machine:
#   make serve   create .venv, install, migrate and serve on 127.0.0.1:8283 (SQLite)
#   make test    lint, then the whole suite on SQLite and (when reachable) on PostgreSQL, and
#                the archival tests on a PostgreSQL server without pgvector (when installed)

# sqlite-vec (archival search on SQLite) needs a Python whose sqlite3 module can load
# extensions; pyenv builds usually cannot. Take the first python3 that can, else python3
# (lettalite then computes vector distances in Python: correct, slower on large archives).
PYTHON ?= $(or $(shell for p in $$(which -a python3 2>/dev/null) /usr/bin/python3; do \
	"$$p" -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension' \
	>/dev/null 2>&1 && echo "$$p" && break; done),python3)
VENV := .venv
BIN := $(VENV)/bin
SDK0_VENV := .venv-sdk0
TS_DIR := tests/sdk/ts
LETTA_CODE_DIR := tests/letta_code
POSTGRES_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/test
# Set to 1 (CI does) to fail instead of skipping the PostgreSQL runs when they cannot run.
REQUIRE_POSTGRES ?= 0
# Test processes (pytest-xdist): the suite mostly waits on servers, so more than the cores.
# Idle workers take tests queued for busy ones (worksteal): a few tests run a minute each.
TEST_WORKERS ?= 3
# Run on a throwaway server made from this machine's PostgreSQL installation, without pgvector.
WITHOUT_PGVECTOR_TESTS := tests/without_pgvector tests/api/test_archival.py tests/archives \
	tests/agent/test_archival_tools.py tests/test_migrations.py

.PHONY: serve test lint test-sqlite test-postgres test-postgres-without-pgvector bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The 0.x Python SDK (the seed's `token=` generation) cannot share a venv with 1.x.
$(SDK0_VENV)/.installed:
	$(PYTHON) -m venv $(SDK0_VENV)
	$(SDK0_VENV)/bin/pip install --quiet letta-client==0.1.324
	touch $@

$(TS_DIR)/node_modules/.installed: $(TS_DIR)/package.json $(TS_DIR)/package-lock.json
	cd $(TS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Letta Code (the letta CLI) and the Node 22 it runs on; see tests/letta_code/README.md.
$(LETTA_CODE_DIR)/node_modules/.installed: $(LETTA_CODE_DIR)/package.json $(LETTA_CODE_DIR)/package-lock.json
	cd $(LETTA_CODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

serve: $(BIN)/.installed
	$(BIN)/lettalite serve

lint: $(BIN)/.installed
	$(BIN)/ruff check .

test: lint test-sqlite test-postgres test-postgres-without-pgvector

test-sqlite: $(BIN)/.installed $(SDK0_VENV)/.installed $(TS_DIR)/node_modules/.installed \
		$(LETTA_CODE_DIR)/node_modules/.installed
	LETTALITE_TEST_DATABASE=sqlite $(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal -m "not serial"
	LETTALITE_TEST_DATABASE=sqlite $(BIN)/pytest -q -m serial

# What does not depend on the database ran on SQLite already: the tools' and fake LLM's unit
# tests, the sandbox (tool processes), the inspector's page, the static checks, the Host guard,
# the provider request mappings, and the clients' own behaviour (Letta Code, both SDK
# generations against every provider); the schema fuzz asks fewer cases of each operation.
POSTGRES_SKIPS := --ignore=tests/tools --ignore=tests/fake_llm --ignore=tests/sandbox \
	--ignore=tests/inspector --ignore=tests/test_deploy.py --ignore=tests/sdk/test_sdk_coverage.py \
	--ignore=tests/api/test_host_check.py --ignore=tests/letta_code \
	--ignore=tests/providers/test_sdk_generations.py \
	--ignore-glob='tests/providers/test_*_mapping.py'
POSTGRES_FUZZ_EXAMPLES := 8
test-postgres: $(BIN)/.installed $(SDK0_VENV)/.installed $(TS_DIR)/node_modules/.installed \
		$(LETTA_CODE_DIR)/node_modules/.installed
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_ADMIN_URL)"; then \
		LETTALITE_TEST_DATABASE=postgres LETTALITE_TEST_POSTGRES_URL="$(POSTGRES_ADMIN_URL)" \
		LETTALITE_TEST_FUZZ_EXAMPLES=$(POSTGRES_FUZZ_EXAMPLES) \
			$(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal $(POSTGRES_SKIPS) -m "not serial" && \
		LETTALITE_TEST_DATABASE=postgres LETTALITE_TEST_POSTGRES_URL="$(POSTGRES_ADMIN_URL)" \
			$(BIN)/pytest -q $(POSTGRES_SKIPS) -m serial; \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL is required but cannot run the suite (see above)"; exit 1; \
	else \
		echo "Ran the suite on SQLite only: PostgreSQL cannot run it (see above)"; \
	fi

test-postgres-without-pgvector: $(BIN)/.installed $(SDK0_VENV)/.installed \
		$(TS_DIR)/node_modules/.installed
	@if $(BIN)/python -c 'from tests.postgres_cluster import installed_bindir; installed_bindir()'; then \
		LETTALITE_TEST_DATABASE=postgres-without-pgvector $(BIN)/pytest -q $(WITHOUT_PGVECTOR_TESTS); \
	elif [ "$(REQUIRE_POSTGRES)" = "1" ]; then \
		echo "PostgreSQL's server binaries are required but not installed (see above)"; exit 1; \
	else \
		echo "Ran no tests without pgvector: PostgreSQL's server binaries are not installed"; \
	fi

bench: $(BIN)/.installed
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) $(SDK0_VENV) $(TS_DIR)/node_modules $(LETTA_CODE_DIR)/node_modules
