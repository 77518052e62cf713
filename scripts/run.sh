#!/usr/bin/env bash
# Run the service on embedded defaults (SQLite file, in-process cache, console email), with
# the background job worker beside it: mail (password reset...) is printed here by the
# worker about a second after the request. DEMO=1 loads the demo data set first; PORT picks
# the port (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements.txt
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
PORT="${PORT:-8000}"
.venv/bin/python manage.py migrate --noinput
if [ "${DEMO:-0}" = "1" ] && .venv/bin/python manage.py help seed_demo >/dev/null 2>&1; then
  .venv/bin/python manage.py seed_demo
fi
cat <<MSG

BoxerConnect is starting on http://127.0.0.1:$PORT
  API docs (Swagger UI):  http://127.0.0.1:$PORT/api/docs/
  OpenAPI schema:         http://127.0.0.1:$PORT/api/schema/
  Health:                 http://127.0.0.1:$PORT/health
  Django admin:           http://127.0.0.1:$PORT/admin/  (create a login: .venv/bin/python manage.py createsuperuser)
  Background jobs:        a worker runs beside the server; mails are printed below by it
  Demo data:              stop, then run DEMO=1 make run
Press Ctrl-C to stop.

MSG
# The worker does not reload on code changes (runserver does): restart make run after
# editing a task.
.venv/bin/python manage.py worker --no-reload &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
