# Two commands from a fresh clone: `make demo` and `make test`.
# Both create .venv/ and install the project into it first.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test bench lint format clean

install: $(STAMP)

# Reinstall whenever the dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m localsite.demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/compare_peers.py
	$(PY) bench/crawl_throughput.py --sizes 1000,5000,20000 --tuned-bare
	$(PY) bench/state_memory.py
	$(PY) bench/conditional_refetch.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) build output .pytest_cache .ruff_cache *.egg-info
