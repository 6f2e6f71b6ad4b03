# The user's verbs. `make slides` and `make test` are all a new user needs;
# both set up .venv and node_modules on first use.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PORT    ?= 8000
JOBS    ?= 1
LITE_WHEELS := $(VENV)/share/lecturedeck/pyodide-wheels
SNAPSHOT := node_modules/.cache/lecturedeck/snapshot.stamp
SETUP   := $(VENV)/.installed node_modules/.package-lock.json $(LITE_WHEELS)/.downloaded $(SNAPSHOT)
export JOBS

.PHONY: help setup lock slides figs present preview pdf html notebooks check contact lint lint-slides test test-code bench clean port

help:
	@echo "make slides    build every deck in slides/ into _build/slides (figures first)"
	@echo "make present   serve _build/slides on http://127.0.0.1:$(PORT) (live code, speaker view)"
	@echo "make preview   rebuild on save; the open deck shows the edit on its slide"
	@echo "make figs      rerun the stale figure scripts in scripts/"
	@echo "make html      companion site: decks and their notebooks, figure gallery, lecture_code API"
	@echo "make pdf       one PDF per deck in _build/pdf (NOTES=1 adds speaker notes)"
	@echo "make notebooks one Jupyter notebook per deck in _build/notebooks, for students"
	@echo "make check     visit every slide in Chromium and report problems"
	@echo "make contact   one contact sheet of thumbnails per deck in _build/contact"
	@echo "make test      everything: lint, slide lint, the decks' build, then every test (in parallel)"
	@echo "make test-code the lecture code's own tests (unit, property, numerics), in seconds"
	@echo "make bench     benchmark against plain sphinx-revealjs; writes _build/bench.json"
	@echo "make port     FROM=old/source [NAME=name]: copy an older toolchain's course into slides/"

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

# The wheels the companion site's JupyterLite kernel loads in the browser (site/jupyterlite-wheels.txt:
# pure Python, for Pyodide's Python, hash-checked); make html serves them from the build folder.
$(LITE_WHEELS)/.downloaded: site/jupyterlite-wheels.txt $(VENV)/.installed
	rm -rf $(LITE_WHEELS)
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --implementation py --platform any \
	  --python-version 3.14 --require-hashes -r site/jupyterlite-wheels.txt -d $(LITE_WHEELS)
	touch $@

# pip-tools runs in a venv of its own, so that .venv holds exactly what the lock lists.
lock:
	test -x _build/.lock-venv/bin/pip-compile || \
	  ($(PYTHON) -m venv _build/.lock-venv && _build/.lock-venv/bin/pip install --quiet pip-tools)
	_build/.lock-venv/bin/pip-compile --quiet --extra dev --extra course --strip-extras --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host --output-file requirements.lock pyproject.toml
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.lock

# The math renderer runs KaTeX's library (not its command line) on Node.js; the oldest Node
# the installed packages support is package.json's "engines" (Pyodide's declared floor).
NODE_MIN := $(shell sed -n 's/.*"node": *">=\([0-9.]*\)".*/\1/p' package.json 2>/dev/null)

node_modules/.package-lock.json: package.json package-lock.json
	@v=$$(node --version 2>/dev/null) || { echo "setup: node not found; install Node.js \
	$(NODE_MIN) or newer (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }; \
	if [ "$$(printf '%s\n' "$(NODE_MIN)" "$${v#v}" | sort -V | head -n 1)" != "$(NODE_MIN)" ]; then \
	  echo "setup: node $$v is older than $(NODE_MIN), which the decks' math renderer and \
	Pyodide need (package.json \"engines\"); install a newer Node.js" >&2; exit 1; fi
	npm ci --no-audit --no-fund
	touch $@

# A memory snapshot of a started Pyodide, so that a live cell's first Run skips Python's start-up
# (sphinxext/pysnapshot.py); made once per Pyodide install. Without one, decks work, slower.
$(SNAPSHOT): node_modules/.package-lock.json $(VENV)/.installed \
  src/lecturedeck/sphinxext/pyodide_snapshot.mjs src/lecturedeck/sphinxext/pysnapshot.py
	@$(PY) -m lecturedeck.sphinxext.pysnapshot node_modules
	@touch $@

# -- build ----------------------------------------------------------------------------------------
slides: $(SETUP)
	@$(PY) -m lecturedeck.commands.slides

figs: $(SETUP)
	@$(PY) -m lecturedeck.commands.figs

# The site links the decks and shows their notebooks, so both are made first.
html: $(SETUP)
	@$(MAKE) --no-print-directory notebooks
	@$(PY) -m lecturedeck.commands.html

# Written from the doctrees of the last good deck build, so the decks are built first.
notebooks: $(SETUP)
	@$(MAKE) --no-print-directory slides
	@$(PY) -m lecturedeck.commands.notebooks

present: $(SETUP)
	@test -f _build/slides/index.html || $(MAKE) --no-print-directory slides
	@$(PY) -m lecturedeck.commands.present --port $(PORT) --out _build/slides

preview: $(SETUP)
	@$(PY) -m lecturedeck.commands.preview --port $(PORT)

# -- check ----------------------------------------------------------------------------------------
pdf: $(SETUP)
	@$(PY) -m lecturedeck.commands.pdf $(if $(NOTES),--notes)

check: $(SETUP)
	@$(PY) -m lecturedeck.commands.check

contact: $(SETUP)
	@$(PY) -m lecturedeck.commands.contact

lint: $(SETUP)
	@$(PY) -m ruff check src scripts tests conf.py
	@$(PY) -m ruff format --check src scripts tests conf.py
	@$(VENV)/bin/lint-imports --no-logo --no-cache .importlinter scripts/.importlinter

lint-slides: $(SETUP)
	@$(PY) -m lecturedeck.commands.lint_slides slides

# Every test, on every core (TEST_WORKERS=0: in one process, no workers). loadgroup sends each test to the
# next free worker, except that an xdist_group runs on one worker, in order: conftest.py puts
# the tests that share a module-scoped fixture in one group, so it is made once.
TEST_WORKERS ?= auto

test: $(SETUP)
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory lint-slides
	@$(MAKE) --no-print-directory slides
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The tests of src/lecture_code alone: nothing is built and no browser starts.
CODE_TESTS := $(patsubst %,tests/test_%.py,activations attention boundary gates language losses \
	numerics pure_python reductions)

test-code: $(SETUP)
	@$(PY) -m pytest -q -n $(TEST_WORKERS) $(CODE_TESTS)

bench: $(SETUP)
	@$(PY) -m lecturedeck.commands.bench

# Copies an old course's Sphinx source folder (or a repository's source/, docs/ ...) into
# slides/<name>/, overwriting and deleting nothing, and lists what it needs here.
ifneq ($(filter port,$(MAKECMDGOALS)),)
ifeq ($(strip $(FROM)),)
$(error port: FROM is missing: make port FROM=path/to/old/sphinx/source [NAME=name])
endif
endif

port: $(SETUP)
	@$(PY) -m lecturedeck.commands.port "$(FROM)" $(if $(NAME),--name "$(NAME)")

# Removes only what the tools generated: _build/, site/auto_examples/, and the figures the
# runner's stamps list. Hand-made files in figs/ are kept and named. Works before set-up.
clean:
	@PYTHONPATH=src $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m lecturedeck.commands.clean
