# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SOURCES := api core crypto cli migrations tests bench

.PHONY: run test lint typecheck browser go test-sqlite test-postgres test-hsm bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: install, migrate the SQLite database, load the demo data, serve on 127.0.0.1:8000
## (the demo people get demo mailboxes: their notices land in the data dir's mail-spool/)
run: export CREDENCE_NOTICE_DEMO_ADDRESSES = true
run: $(STAMP)
	$(BIN)/credence migrate
	$(BIN)/credence demo
	$(BIN)/credence serve --host 127.0.0.1 --port 8000

## test: lint, type-check, then the whole suite (pages in Chromium too) on SQLite with the
## key file, and the whole suite again with master keys in a SoftHSM2 token: every database
## test on a throw-away PostgreSQL (test-postgres), every other test beside it (test-hsm)
test: $(STAMP) lint typecheck browser go test-sqlite test-postgres test-hsm

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(STAMP)
	$(BIN)/mypy api core crypto cli migrations bench

## browser: Debian's Chromium and a CJK font for tests/browser (apt-get, once)
browser:
	scripts/browser-setup.sh

## go: Debian's Go and golang.org/x/mod for the stock tlog client test (apt-get, once)
go:
	scripts/go-setup.sh

test-sqlite: $(STAMP)
	@echo "== pytest on SQLite (whole suite, browser tests required) =="
	CREDENCE_REQUIRE_BROWSER=1 CREDENCE_REQUIRE_GO=1 $(BIN)/pytest -q

test-postgres: $(STAMP)
	@echo "== pytest on PostgreSQL (every database test), master keys in a SoftHSM2 token =="
	scripts/with-softhsm.sh scripts/with-postgres.sh $(BIN)/pytest -q -m "db or hsm"

test-hsm: $(STAMP)
	@echo "== pytest on SQLite (every test the PostgreSQL pass leaves), master keys in a SoftHSM2 token =="
	CREDENCE_REQUIRE_BROWSER=1 CREDENCE_REQUIRE_GO=1 scripts/with-softhsm.sh $(BIN)/pytest -q -m "not db and not hsm"

## bench: hot-path micro-benchmarks as ratios to an in-process baseline (not part of test)
bench: $(STAMP)
	$(BIN)/python -m bench.bench_hot_paths

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
