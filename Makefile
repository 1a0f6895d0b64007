# cobranza_mx - developer commands. `make help` lists them.
ODOO_SRC ?= /opt/odoo19
ODOO_PYTHON ?= /opt/odoo-venv/bin/python
# Where `make setup` clones Odoo from when ODOO_SRC has none: the official repository, or a local clone/mirror.
ODOO_REPO ?= https://github.com/odoo/odoo.git
ODOO_REF ?= 19.0
DB_HOST ?= 127.0.0.1
DB_PORT ?= 5432
DB_USER ?= $(shell whoami)
DEMO_DB ?= cobranza_demo
TEST_DB ?= cobranza_test_$(shell date +%s%N)
BENCH_DB ?= cobranza_bench
HTTP_PORT ?= 8069
COBRANZA_SCALE ?= 1
COBRANZA_SEED ?= 42
DEFAULT_TEST_TAGS := /cobranza_mx,/cobranza_mx_demo
TEST_TAGS ?= $(DEFAULT_TEST_TAGS)

# Evaluated when used, after `make setup` may have brought Odoo: addons/ only when it holds modules.
comma := ,
ADDONS_PATH = $(ODOO_SRC)/odoo/addons,$(if $(wildcard $(ODOO_SRC)/addons/*/__manifest__.py),$(ODOO_SRC)/addons$(comma))$(CURDIR)
DB_ARGS := --db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)
ODOO_BIN = $(ODOO_PYTHON) $(ODOO_SRC)/odoo-bin --addons-path=$(ADDONS_PATH) $(DB_ARGS)
ODOO_SHELL = $(ODOO_PYTHON) $(ODOO_SRC)/odoo-bin shell --addons-path=$(ADDONS_PATH) $(DB_ARGS)
PYTHON_BIN := $(dir $(ODOO_PYTHON))

.PHONY: help check setup demo demo-data serve test test-unit test-account lint bench

BOOTSTRAP_ENV := ODOO_SRC="$(ODOO_SRC)" ODOO_PYTHON="$(ODOO_PYTHON)" ODOO_REPO="$(ODOO_REPO)" ODOO_REF="$(ODOO_REF)" \
	DB_HOST="$(DB_HOST)" DB_PORT="$(DB_PORT)" DB_USER="$(DB_USER)"

help:
	@echo "make setup         bring what is missing (system packages, PostgreSQL, Odoo 19.0, its virtualenv, requirements)"
	@echo "make demo          (re)build the '$(DEMO_DB)' database with a Mexican portfolio and serve it on :$(HTTP_PORT)"
	@echo "make test          run the test suites of cobranza_mx and cobranza_mx_demo on a fresh database"
	@echo "make test-unit     run the unit tests of the pure tools (no Odoo, no database, seconds)"
	@echo "make test-account  run Odoo's own account tests with cobranza_mx installed (slow)"
	@echo "make lint          ruff + pylint-odoo"
	@echo "make bench         benchmark the daily run on 100,000 invoices, the sending of 10,000 reminders, the matching of 10,000 bank lines and routes of 2,000 visits"

# Reports what is missing, installs nothing.
check:
	@$(BOOTSTRAP_ENV) bash scripts/bootstrap.sh --check

# Brings what is missing; about a second when everything is there.
setup:
	@$(BOOTSTRAP_ENV) bash scripts/bootstrap.sh

demo: setup demo-data serve

demo-data:
	-dropdb -h $(DB_HOST) -p $(DB_PORT) -U $(DB_USER) --if-exists $(DEMO_DB)
	$(ODOO_BIN) -d $(DEMO_DB) -i cobranza_mx_demo --load-language=es_MX --stop-after-init --log-level=warn
	COBRANZA_SEED=$(COBRANZA_SEED) COBRANZA_SCALE=$(COBRANZA_SCALE) \
		$(ODOO_SHELL) -d $(DEMO_DB) --no-http --log-level=warn < scripts/make_demo.py

serve:
	@echo "Serving $(DEMO_DB) on http://localhost:$(HTTP_PORT) (Ctrl-C to stop)"
	$(ODOO_BIN) -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --http-port=$(HTTP_PORT)

test: setup
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "$(TEST_DB)" --install cobranza_mx,cobranza_mx_demo --tags "$(TEST_TAGS)" \
		--db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)" \
		$(if $(filter $(DEFAULT_TEST_TAGS),$(TEST_TAGS)),--require-tours --unit)

test-unit: setup
	$(ODOO_PYTHON) scripts/run_unit_tests.py

test-account: setup
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "cobranza_acct_$(shell date +%s)" --install account,cobranza_mx --tags "/account" \
		--db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)"
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "cobranza_acct_ref_$(shell date +%s)" --install account,l10n_mx --tags "/account" \
		--db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)"

lint: setup
	$(PYTHON_BIN)ruff check cobranza_mx cobranza_mx_demo bench scripts
	$(PYTHON_BIN)pylint --rcfile=.pylintrc cobranza_mx cobranza_mx_demo

bench: setup
	$(ODOO_PYTHON) bench/run_bench.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" --db "$(BENCH_DB)" \
		--db-args "$(DB_ARGS)"
	$(ODOO_PYTHON) bench/bench_reminders.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "$(BENCH_DB)_reminders"
	$(ODOO_PYTHON) bench/bench_bank_matching.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "$(BENCH_DB)_bank" --db-args "$(DB_ARGS)"
	$(ODOO_PYTHON) bench/bench_routes.py
