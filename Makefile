# make run: set everything up and serve the registry on http://127.0.0.1:5000 (SQLite in instance/)
# make test: set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test install translations db extract-messages check-translations lint clean-db bench

run: db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -f instance/registry.sqlite3 instance/registry.sqlite3-wal instance/registry.sqlite3-shm
