#!/bin/sh
# Container entry point (also runnable outside Docker; tests exercise it directly):
#   1. wait until the database accepts connections (DB_WAIT_TIMEOUT seconds, default 60);
#   2. when DJANGO_MIGRATE=true, apply migrations and create the cache table (a no-op unless
#      CACHE_URL=dbcache://...); with several app containers let only one of them migrate,
#      or run `docker compose run --rm app migrate` before rolling out;
#   3. exec the command (default: gunicorn), so it gets PID 1's signals directly.
# `migrate` alone as the command migrates and exits.
set -eu
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python}"

"$PYTHON" manage.py wait_for_db --timeout "${DB_WAIT_TIMEOUT:-60}"

migrate() {
  "$PYTHON" manage.py migrate --noinput
  "$PYTHON" manage.py createcachetable
}

if [ "${1:-}" = "migrate" ]; then
  migrate
  exit 0
fi

case "${DJANGO_MIGRATE:-false}" in
  true|1|yes|on) migrate ;;
  false|0|no|off|"") ;;
  *) echo "DJANGO_MIGRATE must be true or false, got '$DJANGO_MIGRATE'" >&2; exit 2 ;;
esac

if [ "$#" -eq 0 ]; then
  set -- gunicorn -c gunicorn.conf.py boxerconnect.wsgi:application
fi
exec "$@"
