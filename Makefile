# Needs only python3 and make: every target creates or updates .venv as it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: test lint demo bench bench-routing bench-wsgi bench-asgi bench-openapi bench-http bench-coldstart bench-server bench-lambda clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[multipart,validation]'
	touch $@

## make test: ruff, mypy (strict on src/) and the whole pytest suite
test: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider

## make demo: serve the example multi-path API on http://$(HOST):$(PORT)
demo: $(VENV)/.demo-installed
	$(BIN)/python -m manypaths serve examples.api.app:app --host $(HOST) --port $(PORT)

## make bench: every benchmark, ratios against the peers measured in the same run; writes BENCHMARKS.md
bench: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/report.py

bench-routing: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/routing.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache

bench-wsgi: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/wsgi.py

bench-asgi: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/asgi.py

bench-openapi: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/openapi.py

bench-http: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/http_features.py

bench-coldstart: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/coldstart.py

bench-server: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/server.py

bench-lambda: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/lambda_events.py
