# Two commands on a fresh machine:  `make serve`  and  `make test`.
# Every target bootstraps .venv with the pinned versions first, so nothing is installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
PYODIDE := docs/assets/pyodide/VERSION
# Which builder `make build` and `make serve` use: `make build BUILDER=zensical` builds the same
# site with Zensical. MkDocs stays the default until Zensical leaves beta.
BUILDER ?= mkdocs
BUILD_mkdocs   := $(PY) -m mkdocs build --strict
BUILD_zensical := $(VENV)/bin/zensical build --strict
SERVE_mkdocs   := $(PY) -m mkdocs serve --dev-addr 127.0.0.1:8000 --livereload
SERVE_zensical := $(VENV)/bin/zensical serve --dev-addr 127.0.0.1:8000
# pytest on every core (pytest-xdist; more than 4 workers would only start more TensorFlows), tests
# that share a costly set-up kept on one worker (xdist groups, tests/conftest.py).
# `make test PARALLEL=` runs everything in one process.
PARALLEL ?= -n auto --maxprocesses 4 --dist loadgroup
# `make flake-hunt N=10`: how many runs.
N ?= 5

.PHONY: help serve build test flake-hunt update-examples bench lint clean setup chromium generate mutation

help:
	@echo "make serve            set up, then serve the site at http://127.0.0.1:8000 (live reload)"
	@echo "make test             set up, then run every test (docs snippets, numbers, engine, site, browser)"
	@echo "make flake-hunt       browser and Hypothesis tests N=5 times, from cold and under load; list every failure"
	@echo "make build            build the site into site/ (strict; BUILDER=zensical for Zensical)"
	@echo "make update-examples  rewrite the #> outputs in docs/ from a real run"
	@echo "make bench            paramcount vs Keras speed and memory; huge models; page weight; calculator speed"
	@echo "make mutation         change every quoted number, #> value, formula term and operator once; print the score"
	@echo "make lint             ruff over src, tests and scripts"

setup: $(STAMP) $(PYODIDE)

# The virtual environment, rebuilt whenever the pins or the package metadata change.
$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	@touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The calculator's Python runtime, from npm, checked against the sha512 pinned in the script.
$(PYODIDE): scripts/vendor_pyodide.py
	$(PYTHON) scripts/vendor_pyodide.py
	@touch $@

# Files the site is built from that are computed: the calculator's bundle, the footer's versions.
generate: $(STAMP)
	$(PY) -m paramcount_site.generate

serve: $(STAMP) $(PYODIDE) generate
	$(SERVE_$(BUILDER))

build: $(STAMP) $(PYODIDE) generate
	$(BUILD_$(BUILDER))

# The package's bytecode, as installing a wheel writes it: where PYTHONDONTWRITEBYTECODE is set,
# every paramcount command a test starts would otherwise compile the package anew.
test: $(STAMP) $(PYODIDE) chromium generate
	$(PY) -m ruff check src tests scripts
	$(PY) -m compileall -q src
	$(PY) -m pytest $(PARALLEL) --durations=10 $(PYTEST_ARGS)

flake-hunt: $(STAMP) $(PYODIDE) chromium generate
	$(PY) scripts/flake_hunt.py --runs $(N) --pytest-args "$(PARALLEL)"

update-examples: $(STAMP)
	$(PY) -m pytest tests/pages/test_docs.py tests/pages/test_console_sessions.py --update-examples -q

mutation: $(STAMP)
	$(PY) scripts/mutation.py

bench: $(STAMP) $(PYODIDE) generate
	$(PY) scripts/bench.py

lint: $(STAMP)
	$(PY) -m ruff check src tests scripts

clean:
	rm -rf site .pytest_cache build
