# The two commands of the README: `make run` and `make test` (and `make fuzz`, which CI runs after it).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= data
PORT   ?= 8000
HOST   ?= 127.0.0.1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

ifeq ($(LAN),1)
LAN_IP := $(shell hostname -I 2>/dev/null | awk '{print $$1}')
export GROUPBOX_URL := http://$(LAN_IP):$(PORT)
SERVE_FLAGS := --lan
else
SERVE_FLAGS := --host $(HOST)
# Links printed by `make run` point at the port it serves on.
export GROUPBOX_URL ?= http://$(HOST):$(PORT)
endif

.PHONY: run test test-postgres fuzz lint bench clean venv messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	@test -f $(DATA)/groupbox.toml || GROUPBOX_ENV=development $(BIN)/groupbox init --demo --data $(DATA) >/dev/null
	@$(BIN)/groupbox migrate --data $(DATA)
	@GROUPBOX_ENV=development $(BIN)/groupbox welcome --data $(DATA)
	GROUPBOX_ENV=development $(BIN)/groupbox serve --data $(DATA) --port $(PORT) $(SERVE_FLAGS)

/usr/bin/chromium:
	@echo "Installing Debian's chromium for the browser tests"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null)

test: $(VENV)/.installed-test /usr/bin/chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The API and e2e suites again on a real PostgreSQL that the harness starts itself (tests/pg.py:
# initdb + pg_ctl in a temp folder on a free port, a fresh database per test); Debian's binaries
# are installed when missing. .ci/run calls it after `make test`.
test-postgres: $(VENV)/.installed-test
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "Installing Debian's postgresql for the PostgreSQL tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null); }
	GROUPBOX_TEST_DB=postgres $(BIN)/python -m pytest tests/api tests/e2e $(PYTEST_ARGS)

# schemathesis against a live `groupbox serve` on a loopback port, as a member and as an admin:
# no 5xx, every answer as /api/schema says. FUZZ_ARGS="--max-examples 50" digs deeper.
fuzz: $(VENV)/.installed-test
	$(BIN)/python tests/fuzz/run_schemathesis.py $(FUZZ_ARGS)

# Translations: extract every msgid (code and templates) into groupbox/locale/messages.pot, merge
# it into each language's .po (new ones empty, changed ones fuzzy), compile the .mo files that
# ship in the package. Translate in groupbox/locale/<lang>/LC_MESSAGES/messages.po, then run again.
messages: $(VENV)/.installed
	$(BIN)/python tools/messages.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check groupbox tests benchmarks

# One table: groupbox beside the ceiling app, the plain page of the same size and Matrix Synapse
# (installed once into benchmarks/.peers/), measured in the same run; figures in
# benchmarks/results/latest.json. BENCH_ARGS="--seconds 8" measures longer. Every script in
# benchmarks/ on its own: `$(BIN)/python benchmarks/run_all.py`. Not part of `make test`.
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk for the benchmarks"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null); }
	$(BIN)/python benchmarks/bench_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
