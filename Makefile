# Developer entry points; each target installs what it needs into .venv first.
.PHONY: run test lint format bench fuzz load

run:  ## serve on embedded defaults (SQLite, in-process cache); DEMO=1 loads demo data
	scripts/run.sh

test:  ## the whole suite on real PostgreSQL + Redis, plus ruff
	scripts/test.sh

lint:
	scripts/setup-venv.sh requirements-dev.txt
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DJANGO_DEBUG=true .venv/bin/mypy

format:
	scripts/setup-venv.sh requirements-dev.txt
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:  ## benchmarks (not tests): decision latency, then gunicorn end to end; see docs/performance.md
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	.venv/bin/python -m bench.decision_latency
	.venv/bin/python -m bench.e2e

fuzz:  ## schemathesis against a live gunicorn server, as every role and anonymous; see docs/testing.md
	scripts/setup-venv.sh requirements-fuzz.txt
	scripts/services.sh
	.venv/bin/python fuzz/run.py

load:  ## the load scenario against a live gunicorn server (a benchmark); see docs/testing.md
	scripts/setup-venv.sh requirements-dev.txt
	scripts/services.sh
	.venv/bin/python load/run.py
