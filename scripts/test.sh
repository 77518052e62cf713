#!/usr/bin/env bash
# The whole test suite on real PostgreSQL and Redis: installs, starts services, lints, tests.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/permissions -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements-dev.txt
scripts/services.sh

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}" REDIS_PORT="${REDIS_PORT:-6379}"
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@$PGHOST:$PGPORT/boxerconnect}"
export REDIS_URL="${TEST_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/${TEST_REDIS_DB:-0}}"
# Everything the suite runs with is set here: a developer's `.env` (make run writes one) is not read.
export DJANGO_READ_ENV_FILE=false
export DJANGO_SECRET_KEY="test-only-secret-key-not-for-production-use-0123456789"
export DJANGO_DEBUG=false DJANGO_SECURE_SSL_REDIRECT=false
# Debug is off: an in-memory mail backend must be chosen explicitly (boxerconnect.E002).
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
# No collectstatic in a checkout: serve admin/Swagger assets from the apps (see settings).
export DJANGO_MANIFEST_STATIC=false
export DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1"
unset CACHE_URL

if [ "${SKIP_LINT:-0}" != "1" ]; then
  echo "==> ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "==> mypy"
  .venv/bin/mypy
  # openapi.yaml as clients use it: Redocly lint, TypeScript types (skipped, loudly, without npm).
  scripts/openapi-clients.sh
fi
echo "==> pytest"
# Two processes by default (pytest-xdist; TEST_WORKERS=0 runs in this one): each gets its own
# test database and Redis database (tests/support/xdist_env.py).
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
