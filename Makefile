# Quick start: `make run` (the main job on the bundled scenarios) and `make test` (lint + whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: run test lint bench install clean

$(VENV)/.installed: setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	@scripts/system-deps.sh font
	$(BIN)/fiscal-sim run scenarios/baseline.yaml --out out/baseline
	$(BIN)/fiscal-sim run scenarios/pilot_reform.yaml --out out/pilot_reform

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	@scripts/system-deps.sh font browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MPLBACKEND=Agg $(BIN)/pytest -q

bench: install
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_special.py

clean:
	rm -rf $(VENV) out
