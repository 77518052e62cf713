#!/usr/bin/env bash
# Run the service on embedded defaults (SQLite file, in-process cache, console email), with
# the background job worker beside it: mail (password reset...) is printed here by the
# worker about a second after the request. Writes a development .env once
# (scripts/dev-env.sh). DEMO=1 loads the demo data set first; PORT picks the port (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements.txt
scripts/dev-env.sh
# The development server is always in debug mode, whatever an older .env says.
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
PORT="${PORT:-8000}"
.venv/bin/python manage.py migrate --noinput
if [ "${DEMO:-0}" = "1" ]; then
  .venv/bin/python manage.py seed_demo
fi
frontend="$(.venv/bin/python -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings"); from django.conf import settings; print(settings.FRONTEND_URL)')"
cat <<MSG

BoxerConnect is starting on http://127.0.0.1:$PORT (settings: .env; another port: PORT=8001 make run)
  API docs (Swagger UI):  http://127.0.0.1:$PORT/api/docs/
  OpenAPI schema:         http://127.0.0.1:$PORT/api/schema/
  HTTP contract:          docs/api.md (paths, bodies, error codes)
  Health:                 http://127.0.0.1:$PORT/health
  Django admin:           http://127.0.0.1:$PORT/admin/
  Background jobs:        a worker runs beside the server
  Mail:                   printed in this console by the worker; password-reset links start with $frontend
In another shell, in this directory:
  \$ make superuser       an admin login for /admin/ and the API
  \$ make demo            142 Welsh clubs, owners, coaches, boxers; logins in demo-logins.txt
Press Ctrl-C to stop.

MSG
# The worker does not reload on code changes (runserver does): restart make run after
# editing a task.
.venv/bin/python manage.py worker --no-reload &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
