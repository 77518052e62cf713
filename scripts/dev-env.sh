#!/usr/bin/env bash
# Write a development `.env` beside manage.py, once: debug on and a random local secret key,
# so that every command (manage.py in any shell, make superuser, make demo) runs with the
# settings `make run` uses. An existing `.env` is never overwritten.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -e .env ]; then
  if ! grep -Eqi '^[[:space:]]*DJANGO_DEBUG[[:space:]]*=[[:space:]]*"?(true|1|yes|on)"?[[:space:]]*$' .env; then
    echo "note: .env exists and does not set DJANGO_DEBUG=true: manage.py in other shells uses its values" >&2
  fi
  exit 0
fi
python=.venv/bin/python
[ -x "$python" ] || python=python3
secret="$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
umask 077
cat > .env <<ENV
# Development settings of this checkout, written once by \`make run\` (scripts/dev-env.sh).
# Git-ignored and never overwritten: edit it freely, or delete it to get a fresh one.
# manage.py reads it in any shell; real environment variables win. Not for production:
# there, start from .env.example (docs/operations.md).
DJANGO_DEBUG=true
DJANGO_SECRET_KEY=$secret
ENV
echo "==> wrote .env (development settings: debug on, a random local secret key)"
