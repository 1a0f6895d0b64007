# cobranza_mx - developer commands. `make help` lists them.
ODOO_SRC ?= /opt/odoo19
ODOO_PYTHON ?= /opt/odoo-venv/bin/python
DB_HOST ?= 127.0.0.1
DB_PORT ?= 5432
DB_USER ?= $(shell whoami)
DEMO_DB ?= cobranza_demo
TEST_DB ?= cobranza_test_$(shell date +%s)
BENCH_DB ?= cobranza_bench
HTTP_PORT ?= 8069
COBRANZA_SCALE ?= 1
COBRANZA_SEED ?= 42
TEST_TAGS ?= /cobranza_mx

ADDONS_PATH := $(ODOO_SRC)/odoo/addons,$(ODOO_SRC)/addons,$(CURDIR)
DB_ARGS := --db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)
ODOO_BIN := $(ODOO_PYTHON) $(ODOO_SRC)/odoo-bin --addons-path=$(ADDONS_PATH) $(DB_ARGS)
ODOO_SHELL := $(ODOO_PYTHON) $(ODOO_SRC)/odoo-bin shell --addons-path=$(ADDONS_PATH) $(DB_ARGS)
PYTHON_BIN := $(dir $(ODOO_PYTHON))

.PHONY: help check setup demo demo-data serve test test-unit test-account lint bench

help:
	@echo "make setup         install Python requirements into the Odoo virtualenv and check the platform"
	@echo "make demo          (re)build the '$(DEMO_DB)' database with a Mexican portfolio and serve it on :$(HTTP_PORT)"
	@echo "make test          run the cobranza_mx test suite on a fresh database"
	@echo "make test-unit     run the unit tests of the pure tools (no Odoo, no database, seconds)"
	@echo "make test-account  run Odoo's own account tests with cobranza_mx installed (slow)"
	@echo "make lint          ruff + pylint-odoo"
	@echo "make bench         benchmark the daily run on 100,000 invoices and the sending of 10,000 reminders"

check:
	@test -f "$(ODOO_SRC)/odoo-bin" || { echo "ERROR: Odoo 19.0 source not found at ODOO_SRC=$(ODOO_SRC)."; \
		echo "  Get it with: git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo.git $(ODOO_SRC)"; \
		echo "  or run make with ODOO_SRC=/path/to/odoo"; exit 2; }
	@grep -q "version_info = (19, 0" "$(ODOO_SRC)/odoo/release.py" || { echo "ERROR: $(ODOO_SRC) is not Odoo 19.0."; exit 2; }
	@test -x "$(ODOO_PYTHON)" || { echo "ERROR: no Python at ODOO_PYTHON=$(ODOO_PYTHON)."; \
		echo "  Create it with: python3 -m venv /opt/odoo-venv && /opt/odoo-venv/bin/pip install -r $(ODOO_SRC)/requirements.txt"; \
		echo "  (Debian/Ubuntu need: apt-get install libldap2-dev libsasl2-dev libpq-dev wkhtmltopdf)"; exit 2; }
	@$(ODOO_PYTHON) -c "import odoo" 2>/dev/null || PYTHONPATH=$(ODOO_SRC) $(ODOO_PYTHON) -c "import psycopg2, lxml, werkzeug" || { \
		echo "ERROR: Odoo's Python dependencies are missing in $(ODOO_PYTHON)."; \
		echo "  Install them with: $(ODOO_PYTHON) -m pip install -r $(ODOO_SRC)/requirements.txt"; exit 2; }
	@pg_isready -h $(DB_HOST) -p $(DB_PORT) >/dev/null 2>&1 || { echo "ERROR: PostgreSQL is not answering on $(DB_HOST):$(DB_PORT)."; \
		echo "  Start it (e.g. pg_ctlcluster <version> main start) or set DB_HOST/DB_PORT/DB_USER."; exit 2; }
	@echo "OK: Odoo 19.0 at $(ODOO_SRC), Python $(ODOO_PYTHON), PostgreSQL on $(DB_HOST):$(DB_PORT)"

setup: check
	$(ODOO_PYTHON) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@echo "OK: requirements installed"

demo: check demo-data serve

demo-data:
	-dropdb -h $(DB_HOST) -p $(DB_PORT) -U $(DB_USER) --if-exists $(DEMO_DB)
	$(ODOO_BIN) -d $(DEMO_DB) -i cobranza_mx --load-language=es_MX --stop-after-init --log-level=warn
	COBRANZA_SEED=$(COBRANZA_SEED) COBRANZA_SCALE=$(COBRANZA_SCALE) \
		$(ODOO_SHELL) -d $(DEMO_DB) --no-http --log-level=warn < scripts/make_demo.py

serve:
	@echo "Serving $(DEMO_DB) on http://localhost:$(HTTP_PORT) (Ctrl-C to stop)"
	$(ODOO_BIN) -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --http-port=$(HTTP_PORT)

test: check
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "$(TEST_DB)" --tags "$(TEST_TAGS)" --db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)"

test-unit:
	$(ODOO_PYTHON) scripts/run_unit_tests.py

test-account: check
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "cobranza_acct_$(shell date +%s)" --install account,cobranza_mx --tags "/account" \
		--db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)"
	@$(ODOO_PYTHON) scripts/run_tests.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "cobranza_acct_ref_$(shell date +%s)" --install account,l10n_mx --tags "/account" \
		--db-args "--db_host=$(DB_HOST) --db_port=$(DB_PORT) --db_user=$(DB_USER)"

lint:
	$(PYTHON_BIN)ruff check cobranza_mx bench scripts
	$(PYTHON_BIN)pylint --rcfile=.pylintrc cobranza_mx

bench: check
	$(ODOO_PYTHON) bench/run_bench.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" --db "$(BENCH_DB)" \
		--db-args "$(DB_ARGS)"
	$(ODOO_PYTHON) bench/bench_reminders.py --odoo-src "$(ODOO_SRC)" --addons-path "$(ADDONS_PATH)" \
		--db "$(BENCH_DB)_reminders"
