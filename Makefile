# Developer entry points; each target installs what it needs into .venv first.
.PHONY: run superuser demo dev-setup test lint format openapi clients-check bench bench-floor bench-warm bench-suggestions bench-scale fuzz load

run:  ## serve on embedded defaults (SQLite, in-process cache); DEMO=1 loads demo data; PORT=8001 another port
	scripts/run.sh

superuser: dev-setup  ## an admin login; asks, or takes DJANGO_SUPERUSER_EMAIL, _NAME and _PASSWORD without asking
	.venv/bin/python manage.py createsuperuser $(if $(DJANGO_SUPERUSER_PASSWORD),--noinput)

demo: dev-setup  ## load the demo data set; prints the logins, kept in demo-logins.txt from run to run
	.venv/bin/python manage.py seed_demo

dev-setup:  # what run, superuser and demo start from: .venv, the development .env, migrations
	@scripts/setup-venv.sh requirements.txt
	@scripts/dev-env.sh
	@.venv/bin/python manage.py migrate --noinput -v 0

test:  ## the whole suite on real PostgreSQL + Redis, plus ruff, mypy and the OpenAPI consumer checks
	scripts/test.sh

lint:
	scripts/setup-venv.sh requirements-dev.txt
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && DJANGO_DEBUG=true .venv/bin/mypy

format:
	scripts/setup-venv.sh requirements-dev.txt
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

openapi:  ## regenerate the committed openapi.yaml from the code (the test suite fails until it is)
	scripts/setup-venv.sh requirements.txt
	DJANGO_READ_ENV_FILE=false DJANGO_DEBUG=true DJANGO_SECRET_KEY=schema-generation-only-not-a-secret-0123456789 \
	  .venv/bin/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

clients-check:  ## lint openapi.yaml (Redocly) and type-check TypeScript generated from it; needs npm
	scripts/openapi-clients.sh

bench:  ## benchmarks (not tests): decision latency, then gunicorn end to end; see docs/performance.md
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	.venv/bin/python -m bench.decision_latency
	.venv/bin/python -m bench.suggestions
	.venv/bin/python -m bench.e2e

bench-floor:  ## every hot read's throughput as a fraction of /health/live (Redis, +2 ms database, sync workers), ~7 min
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	.venv/bin/python -m bench.e2e --configs redis --delays 2 --duration 5 --repeats 1 --pairs 5 --threads 1

bench-warm:  ## CPU per warm request in process, by path (REV=<git rev>: side by side with it); PROFILE=1: cProfile
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	.venv/bin/python -m bench.warm_path $(if $(REV),--compare $(REV)) $(if $(PROFILE),--profile)

bench-suggestions:  ## sparring suggestions among 100,000 boxers, with and without their indexes
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	.venv/bin/python -m bench.suggestions --explain

fuzz:  ## schemathesis against a live gunicorn server, as every role and anonymous; see docs/testing.md
	scripts/setup-venv.sh requirements-fuzz.txt
	scripts/services.sh
	.venv/bin/python fuzz/run.py

load:  ## the load scenario against a live gunicorn server (a benchmark); see docs/testing.md
	scripts/setup-venv.sh requirements-dev.txt
	scripts/services.sh
	.venv/bin/python load/run.py

bench-scale:  ## the hot reads at 10,000 and 100,000 boxers (FULL=1: and 1,000,000); see docs/performance.md
	scripts/setup-venv.sh requirements-bench.txt
	scripts/services.sh
	.venv/bin/python -m bench.scale $(if $(FULL),--sizes 10000,100000,1000000)
