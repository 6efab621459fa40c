# Needs only python3 and make: every target creates or updates .venv as it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

# Where the compiled matcher can be built (a C compiler and Python's headers), the tests require it
# (a failed build fails them); elsewhere they run on the pure matcher and say what they skipped.
# .ci/run sets MANYPATHS_REQUIRE_COMPILED=1 itself.
REQUIRE_COMPILED ?= $(or $(MANYPATHS_REQUIRE_COMPILED),$(shell $(PYTHON) -c "import os, shutil, sysconfig; \
  print(1 if (shutil.which('cc') or shutil.which('gcc')) and os.path.exists(os.path.join(sysconfig.get_paths()['include'], \
  'Python.h')) else '')" 2>/dev/null))

.PHONY: test test-sanitize lint demo docs docs-serve wheel speedups bench bench-routing bench-wsgi bench-asgi bench-openapi bench-http bench-coldstart bench-server bench-lambda bench-instructions bench-events bench-memory bench-forms clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

$(VENV)/.docs-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $@

## make docs: the documentation site into site/ (MkDocs + Material, strict: a warning or a broken link fails)
docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo "make docs: open site/index.html, or make docs-serve for http://$(HOST):8000"

## make docs-serve: the site with live reload while writing
docs-serve: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr $(HOST):8000

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[multipart,validation]'
	touch $@

## make test: ruff, mypy (strict on src/), the import layers (import-linter) and the whole pytest suite, on the compiled matcher (built
## here first; MANYPATHS_REQUIRE_COMPILED makes a failed build fail the tests) and, where tests ask
## for it, on the pure-Python one
test: $(VENV)/.test-installed speedups
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	MANYPATHS_REQUIRE_COMPILED=$(REQUIRE_COMPILED) $(BIN)/python -m pytest -q -p no:cacheprovider

## make test-sanitize: the compiled core built with AddressSanitizer and UndefinedBehaviorSanitizer
## (in a copy of src/ under .sanitize/), then the routing, ASGI/RSGI-environ, dispatch and security tests and a
## fuzz run (MANYPATHS_FUZZ_EXAMPLES) against it; any sanitizer report fails the target
SANITIZE := .sanitize
test-sanitize: $(VENV)/.test-installed
	rm -rf $(SANITIZE) && mkdir -p $(SANITIZE)
	cp -r src setup.py pyproject.toml README.md LICENSE $(SANITIZE)/
	rm -f $(SANITIZE)/src/manypaths/routing/*.so $(SANITIZE)/src/manypaths/asgi/*.so $(SANITIZE)/src/manypaths/http/*.so
	cd $(SANITIZE) && MANYPATHS_SANITIZE=1 ../$(BIN)/python setup.py -q build_ext --inplace --force
	LD_PRELOAD="$$(cc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PYTHONPATH=$(SANITIZE)/src:. \
	  MANYPATHS_REQUIRE_COMPILED=1 MANYPATHS_FUZZ_EXAMPLES=3000 \
	  sh -c '$(BIN)/python -c "import manypaths.routing._speedups as s, manypaths.asgi._environ as e, manypaths.http._speedups as j; \
	    assert all(\"$(SANITIZE)/\" in m.__file__ for m in (s, e, j)), (s.__file__, e.__file__, j.__file__)" \
	    && $(BIN)/python -m pytest -q -p no:cacheprovider --capture=sys tests/routing tests/asgi tests/aio/test_asgi.py \
	       tests/app/test_dispatch_paths.py tests/app/test_compiled_road.py tests/http/test_speedups.py \
	       tests/http/test_response_text.py tests/security \
	       tests/drivers/test_rsgi_environ.py' 2> $(SANITIZE)/stderr.log \
	  || { cat $(SANITIZE)/stderr.log; exit 1; }
	@if grep -E "runtime error|AddressSanitizer|LeakSanitizer" $(SANITIZE)/stderr.log; then \
	  echo "make test-sanitize: sanitizer reports above"; exit 1; fi
	@echo "make test-sanitize: no sanitizer report"

## make speedups: build the compiled parts in place (the matcher, src/manypaths/routing/_speedups.c,
## the ASGI environ builder, src/manypaths/asgi/_environ.c, and the JSON writer, src/manypaths/http/_speedups.c)
speedups: $(VENV)/.test-installed
	$(BIN)/python setup.py -q build_ext --inplace

## make wheel: dist/ gets the platform wheel (with the compiled matcher) and the pure wheel (py3-none-any)
wheel: $(VENV)/.test-installed
	rm -rf dist build
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
	rm -rf build
	MANYPATHS_PURE_BUILD=1 $(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
	rm -rf build
	$(BIN)/python -c "import sys, zipfile, pathlib; \
	  [print(w.name, '(compiled)' if any(n.endswith(('.so', '.pyd')) for n in zipfile.ZipFile(w).namelist()) else '(pure)') \
	   for w in sorted(pathlib.Path('dist').glob('*.whl'))]"

## make demo: serve the example multi-path API on http://$(HOST):$(PORT)
demo: $(VENV)/.demo-installed
	$(BIN)/python -m manypaths serve examples.api.app:app --host $(HOST) --port $(PORT)

## make bench: every benchmark, ratios against the peers measured in the same run; writes BENCHMARKS.md
bench: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/report.py

bench-routing: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/routing.py

clean:
	rm -rf $(VENV) $(SANITIZE) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache src/manypaths/routing/*.so src/manypaths/asgi/*.so

bench-wsgi: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/wsgi.py

## make bench-forms: every common return form of a view against the str return, in-process WSGI
bench-forms: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/return_forms.py

bench-asgi: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/asgi.py

bench-openapi: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/openapi.py

bench-http: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/http_features.py

bench-coldstart: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/coldstart.py

bench-server: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/server.py

bench-lambda: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/lambda_events.py

## make bench-instructions: the Lambda rows counted in CPU instructions under valgrind (steady on a noisy machine)
bench-instructions: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/instructions.py

## make bench-memory: per-request peak memory and a worker's RSS after 100k requests, beside Falcon and BlackSheep
bench-memory: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/memory.py

## make bench-events: event triggers (SQS batch, EventBridge, a CloudEvent, cold start) vs Powertools and functions-framework
bench-events: $(VENV)/.bench-installed speedups
	$(BIN)/python benchmarks/events.py
