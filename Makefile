# Quick start: `make run` (the main job on the bundled scenarios) and `make test` (lint + whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: run compare test lint bench install clean

$(VENV)/.installed: setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

HOST ?= 127.0.0.1
PORT ?= 8000

# the main job: the web page and HTTP API on SQLite with the bundled scenarios (Ctrl-C to stop)
run: install
	@scripts/system-deps.sh font
	$(BIN)/fiscal-sim serve --host $(HOST) --port $(PORT)

# the same comparison on the command line: tables, workbook and charts in out/comparison
compare: install
	@scripts/system-deps.sh font
	$(BIN)/fiscal-sim compare scenarios/baseline.yaml scenarios/pilot_reform.yaml scenarios/base_increment.yaml \
		scenarios/limited_pool.yaml --out out/comparison

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	@scripts/system-deps.sh font browser postgres
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MPLBACKEND=Agg FISCAL_SIM_REQUIRE_POSTGRES=1 $(BIN)/pytest -q

bench: install
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_special.py
	$(PY) benchmarks/bench_montecarlo.py
	$(PY) benchmarks/bench_api.py --quick

clean:
	rm -rf $(VENV) out
