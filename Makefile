# Two commands matter: `make demo` (set up, serve the bundled demo web, run the main job) and
# `make test` (set up with test extras, run the suite). Both keep the environment at .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PIP := $(VENV)/bin/python -m pip --disable-pip-version-check -qq
PYWB_VENV := .venv-pywb
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# the corpus loader tests use `datasets` and datatrove offline: never ask the Hugging Face Hub
export HF_DATASETS_OFFLINE := 1
export HF_HUB_OFFLINE := 1

.PHONY: install demo test lint typecheck bench clean pywb

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)

# Installs exactly the versions in requirements.lock; re-runs when either file changes.
$(VENV)/.installed: pyproject.toml requirements.lock | $(VENV)/bin/python
	$(PIP) install -c requirements.lock -e '.[test]'
	touch $@

install: $(VENV)/.installed

# pywb pins old redis/fakeredis, so replay tests get their own environment.
$(PYWB_VENV)/.installed: requirements-pywb.lock
	test -x $(PYWB_VENV)/bin/python || $(PY) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip --disable-pip-version-check -qq install -r requirements-pywb.lock
	touch $@

pywb: $(PYWB_VENV)/.installed

demo: install
	$(VENV)/bin/seedcrawl demo --out out/demo

# Two workers, each test file on one of them (module fixtures, such as a served demo web, stay
# shared): on a 2-core CI machine the suite takes about 11 minutes instead of 18.
test: install pywb
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile

lint: install
	$(VENV)/bin/ruff check archive crawler pipelines flows seedcrawl tests bench
	$(VENV)/bin/ruff format --check archive crawler pipelines flows seedcrawl tests bench

typecheck: install
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(PYWB_VENV) out .pytest_cache .mypy_cache .ruff_cache
