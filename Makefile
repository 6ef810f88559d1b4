# make run: set everything up and serve the registry on http://127.0.0.1:5000 (SQLite in instance/)
# make test: set everything up and run the whole test suite (the browser tests last: make e2e)
# make screenshots: the main pages' pictures in docs/screenshots/, taken by the browser tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi:app

CHROMIUM := /usr/bin/chromium
# apt-get needs root; a developer's machine may say sudo instead.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test e2e screenshots install translations db extract-messages check-translations lint clean-db bench

run: db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install translations lint
	$(BIN)/python -m pytest --ignore=tests/e2e $(PYTEST_ARGS)
	$(MAKE) e2e

# Browser tests (tests/e2e): Playwright drives Debian's Chromium, never a browser of its own,
# against the registry served on a free port with a new database.
e2e: install translations $(CHROMIUM)
	$(BIN)/python -m pytest tests/e2e $(E2E_ARGS)

screenshots: install translations $(CHROMIUM)
	REGISTRY_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_screenshots.py

# fonts-liberation: the metric-compatible fonts Chromium recommends, for true screenshots.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
		chromium fonts-liberation

# Static security checks: ruff's security rules (flake8-bandit) and bandit, failing on any
# high-severity finding.
lint: install
	$(BIN)/ruff check --quiet --select S registry migrations
	$(BIN)/bandit --quiet --recursive --severity-level high registry

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compiled catalogues (.mo) are built from the committed .po files, never committed themselves.
# No --use-fuzzy: a fuzzy entry is an unchecked guess, and tests/unit/test_translations.py
# refuses it anyway.
translations: install
	$(BIN)/pybabel -q compile -d registry/translations

db: install translations
	$(BIN)/flask registry init
	$(BIN)/flask registry demo

# Collect every marked string into messages.pot and bring each catalogue in line with it:
# new messages come in empty (no fuzzy guesses), removed ones go. Then translate what
# `make check-translations` names. The keywords are read by the tests too: keep them here.
extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 \
		--add-comments=TRANSLATORS: --no-location --sort-output \
		--project="Migrant Registry" --copyright-holder="The Migrant Registry contributors" \
		-o registry/translations/messages.pot .
	$(BIN)/pybabel -q update -i registry/translations/messages.pot -d registry/translations \
		--no-fuzzy-matching --ignore-obsolete

# Every catalogue complete (no missing, empty or fuzzy message) and every string marked.
check-translations: install translations
	$(BIN)/python -m pytest -q tests/unit/test_translations.py tests/unit/test_untranslated_strings.py

clean-db:
	rm -f instance/registry.sqlite3 instance/registry.sqlite3-wal instance/registry.sqlite3-shm instance/registry.sqlite3-writers
