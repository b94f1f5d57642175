# Two commands on a fresh machine:
#   make demo   install everything, ingest the bundled sample articles, answer the Wang Yi question
#   make test   install everything (test extras, Chromium), run the whole test suite
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
# llama-cpp-python compiles from source: build it portable, not -march=native, so a
# cached wheel runs on any x86-64 CPU with AVX2.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export ORT_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1

.PHONY: install chromium postgres demo test unit lint eval bench-answer bench-retrieval bench-ingest bench-brief bench-qa clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/assistant ingest samples/articles
	$(VENV)/bin/assistant ask "What did Wang Yi ask of the Taliban?"

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
chromium:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# The scale-out tests start a throwaway PostgreSQL cluster (Debian's server binaries).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q postgresql; }

# Two steps: the unit tests that load no model (seconds; they fail first and fast), then the
# suites that load the real models, servers and a browser.
test: install chromium postgres
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -m "not slow"
	$(PY) -m pytest -q -m slow

unit: install
	$(PY) -m pytest -q -m "not slow"

lint: install
	$(VENV)/bin/ruff check .

eval: install
	$(VENV)/bin/assistant eval

# Benchmarks read ../shared/data (research datasets, not shipped); each prints a table and
# writes bench/results/*.json.
bench-answer: install
	$(PY) bench/answer_latency.py

bench-retrieval: install
	$(PY) bench/retrieval_latency.py

bench-ingest: install
	$(PY) bench/ingest_throughput.py

bench-brief: install
	$(PY) bench/brief_rouge.py
	$(PY) bench/brief_latency.py
	$(PY) bench/brief_facts.py

bench-qa: install
	$(PY) bench/qa_benchmark.py --split test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
