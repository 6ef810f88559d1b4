# make run: set everything up and serve the registry on http://127.0.0.1:5000 (SQLite in instance/)
# make test: set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test install translations db extract-messages lint clean-db bench

run: db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compiled catalogues (.mo) are built from the committed .po files, never committed themselves.
translations: install
	$(BIN)/pybabel -q compile --use-fuzzy -d registry/translations -f

db: install translations
	$(BIN)/flask registry init
	$(BIN)/flask registry demo

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output \
		-o registry/translations/messages.pot .
	$(BIN)/pybabel update -i registry/translations/messages.pot -d registry/translations --no-fuzzy-matching

clean-db:
	rm -f instance/registry.sqlite3 instance/registry.sqlite3-wal instance/registry.sqlite3-shm
