# Pantau — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
HOST ?= 127.0.0.1
PORT ?= 5000

LAN_PORT ?= 5443

.PHONY: run run-lan install install-dev translations db demo test test-fast bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(MAKE) translations

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(MAKE) translations

translations:
	$(BIN)/pybabel compile --use-fuzzy -d webapp/translations -f >/dev/null

db:
	$(FLASK) setup

demo: db
	$(FLASK) demo-data

## First command: install, migrate SQLite, load regions and demo data, serve on http://127.0.0.1:5000
run: install demo
	@echo "Pantau berjalan di http://$(HOST):$(PORT)  (Ctrl+C untuk berhenti)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## On a real phone: HTTPS on the local network with a self-signed certificate. A phone on the
## same Wi-Fi opens https://<this machine's address>:$(LAN_PORT)/lapangan and accepts the
## certificate warning once; over plain http:// the browser turns off offline use, GPS and photos.
run-lan: install demo
	@echo "Pantau di jaringan lokal: https://$$(hostname -I 2>/dev/null | awk '{print $$1}'):$(LAN_PORT)/lapangan  (sertifikat buatan sendiri: terima peringatannya sekali)"
	$(FLASK) run --host 0.0.0.0 --port $(LAN_PORT) --cert adhoc

## Second command: install the test dependencies and run the whole suite
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The edit-test loop: every test but those marked slow (browser, server processes, fuzzing)
test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/sync_ingest.py
	$(BIN)/python bench/map_api.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/desk.py
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) instance .pytest_cache
