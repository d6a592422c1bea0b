# Two commands on a fresh machine:  `make serve`  and  `make test`.
# Every target bootstraps .venv with the pinned versions first, so nothing is installed by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
CHROMIUM ?= /usr/bin/chromium
PYODIDE := docs/assets/pyodide/VERSION

.PHONY: help serve build test update-examples bench lint clean setup chromium

help:
	@echo "make serve            set up, then serve the site at http://127.0.0.1:8000 (live reload)"
	@echo "make test             set up, then run every test (docs snippets, numbers, engine, site, browser)"
	@echo "make build            build the site into site/ (strict)"
	@echo "make update-examples  rewrite the #> outputs in docs/ from a real run"
	@echo "make bench            paramcount vs Keras speed and memory; huge models; page weight; calculator speed"
	@echo "make lint             ruff over src, tests, scripts and hooks"

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

serve: $(STAMP) $(PYODIDE)
	$(PY) -m mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

build: $(STAMP) $(PYODIDE)
	$(PY) -m mkdocs build --strict

test: $(STAMP) $(PYODIDE) chromium
	$(PY) -m ruff check src tests scripts hooks
	$(PY) -m pytest $(PYTEST_ARGS)

update-examples: $(STAMP)
	$(PY) -m pytest tests/test_docs.py --update-examples -q

bench: $(STAMP) $(PYODIDE)
	$(PY) scripts/bench.py

lint: $(STAMP)
	$(PY) -m ruff check src tests scripts hooks

clean:
	rm -rf site .pytest_cache build
