# The user's verbs. `make slides` and `make test` are all a new user needs;
# both set up .venv and node_modules on first use.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PORT    ?= 8000
JOBS    ?= 1
SETUP   := $(VENV)/.installed node_modules/.package-lock.json
export JOBS

.PHONY: help setup lock slides figs present preview pdf html check contact lint lint-slides test bench clean

help:
	@echo "make slides    build every deck in slides/ into _build/slides (figures first)"
	@echo "make present   serve _build/slides on http://127.0.0.1:$(PORT) (live code, speaker view)"
	@echo "make preview   rebuild on save and reload the browser"
	@echo "make figs      rerun the stale figure scripts in scripts/"
	@echo "make html      companion site: deck index, figure gallery, lecture_code API"
	@echo "make pdf       one PDF per deck in _build/pdf (NOTES=1 adds speaker notes)"
	@echo "make check     visit every slide in Chromium and report problems"
	@echo "make contact   one contact sheet of thumbnails per deck in _build/contact"
	@echo "make test      lint, unit, build and browser tests"
	@echo "make bench     benchmark against plain sphinx-revealjs; writes _build/bench.json"

# -- set-up ---------------------------------------------------------------------------------------
setup: $(SETUP)

# Every Python package, direct and transitive, at the version in requirements.lock; then the
# project itself, editable, adding nothing. `make lock` updates the lock from pyproject.toml.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

lock: $(VENV)/.installed
	$(PY) -m pip install --quiet pip-tools
	$(PY) -m piptools compile --quiet --extra dev --strip-extras --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host --output-file requirements.lock pyproject.toml
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.lock

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# -- build ----------------------------------------------------------------------------------------
slides: $(SETUP)
	@$(PY) -m lecturedeck.build

figs: $(SETUP)
	@$(PY) -m lecturedeck.figures

html: $(SETUP)
	@$(PY) -m lecturedeck.site

present: $(SETUP)
	@test -f _build/slides/index.html || $(MAKE) --no-print-directory slides
	@$(PY) -m lecturedeck.present --port $(PORT) --out _build/slides

preview: $(SETUP)
	@$(PY) -m lecturedeck.preview --port $(PORT)

# -- check ----------------------------------------------------------------------------------------
pdf: $(SETUP)
	@$(PY) -m lecturedeck.pdf $(if $(NOTES),--notes)

check: $(SETUP)
	@$(PY) -m lecturedeck.check

contact: $(SETUP)
	@$(PY) -m lecturedeck.contact

lint: $(SETUP)
	@$(PY) -m ruff check src scripts tests conf.py
	@$(PY) -m ruff format --check src scripts tests conf.py

lint-slides: $(SETUP)
	@$(PY) -m lecturedeck.lint slides

test: $(SETUP)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory lint-slides
	@$(MAKE) --no-print-directory slides
	@$(PY) -m pytest

bench: $(SETUP)
	@$(PY) -m lecturedeck.bench

# Removes only what the tools generated: _build/, site/auto_examples/, and the figures the
# runner's stamps list. Hand-made files in figs/ are kept and named. Works before set-up.
clean:
	@PYTHONPATH=src $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m lecturedeck.clean
