# Two commands on a fresh machine: `make run` (the app on SQLite with demo data) and `make test` (every test).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PG_BENCH_URL ?= postgresql://postgres@127.0.0.1:5432/test_e
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup deps static translations chromium fonts run test test-sqlite test-pg extract-messages clean lighthouse bench bench-quick

setup: deps static translations fonts

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Third-party front-end files come from npm, copied into static/; the app icons are drawn with Pillow (neither committed).
static: node_modules/.installed $(VENV)/.installed
	$(PY) tools/make_icons.py static/icons >/dev/null
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/jsqr/dist/jsQR.js static/vendor/jsQR.js

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d app/translations >/dev/null

extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# A CJK font for the photo stamp (水印) and QR labels; the app falls back to plain text without it.
fonts:
	@fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null) || echo "could not install fonts-wqy-microhei: photo stamps fall back to plain text"

chromium:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)

run: setup
	PATROL_DEV=1 $(FLASK) db upgrade
	PATROL_DEV=1 $(FLASK) catalogue load
	PATROL_DEV=1 $(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT)"
	PATROL_DEV=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup chromium
	$(MAKE) --no-print-directory test-sqlite
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		$(MAKE) --no-print-directory test-pg; \
	else echo "PostgreSQL does not answer at $(PG_TEST_URL): suite ran on SQLite only"; fi
	$(MAKE) --no-print-directory bench-quick

test-sqlite:
	@echo "== tests on SQLite =="
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q

test-pg:
	@echo "== tests on PostgreSQL =="
	CHROMIUM=$(CHROMIUM) TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q

# The benchmark table of issue #8 (bench/run.py): full on PostgreSQL and SQLite (up to 20 minutes; the database at
# PG_BENCH_URL is emptied), quick on SQLite at small scale (under 2 minutes; a missed target is reported, an error fails).
bench: setup chromium
	CHROMIUM=$(CHROMIUM) PG_BENCH_URL=$(PG_BENCH_URL) $(PY) bench/run.py

bench-quick: setup chromium
	@echo "== benchmarks, quick =="
	CHROMIUM=$(CHROMIUM) $(PY) bench/run.py --quick

# Lighthouse scores of the login, Today and checkpoint pages on a phone (own npm install in bench/, not part of `make test`).
lighthouse: setup chromium bench/node_modules/.installed
	CHROME_PATH=$(CHROMIUM) $(PY) bench/lighthouse.py

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules static/vendor static/icons bench/node_modules instance .pytest_cache test-results
	find app -name '*.mo' -delete
