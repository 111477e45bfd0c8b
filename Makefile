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

# Under 10 minutes on 2 cores by default; larger sites as an option:
#   make bench BENCH_SIZES=1000,5000,20000 BENCH_ROUNDS=5
BENCH_SIZES  ?= 1000,3000
BENCH_ROUNDS ?= 3
bench: $(STAMP)
	@echo "bench: machine: $$(uptime)"
	@echo "bench: 1/4 extraction accuracy and speed against GNE and trafilatura"
	$(PY) bench/compare_peers.py
	@echo "bench: 2/4 crawl throughput at $(BENCH_SIZES) articles, $(BENCH_ROUNDS) rounds"
	$(PY) bench/crawl_throughput.py --sizes $(BENCH_SIZES) --rounds $(BENCH_ROUNDS) --tuned-bare
	@echo "bench: 3/4 state store memory"
	$(PY) bench/state_memory.py
	@echo "bench: 4/4 conditional refetches: an unchanged site against a full walk"
	$(PY) bench/conditional_refetch.py
	@echo "bench: done; machine: $$(uptime)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Never output/ (the archive) nor state/ (what was seen): removing one without
# the other loses articles or re-emits them. See docs/operations.md.
clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache *.egg-info
