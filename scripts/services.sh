#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer for the tests; start them when installed locally.
# Honours PGHOST/PGPORT (default 127.0.0.1:5432) and REDIS_HOST/REDIS_PORT (127.0.0.1:6379).
set -euo pipefail
PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"
REDIS_HOST="${REDIS_HOST:-127.0.0.1}"; REDIS_PORT="${REDIS_PORT:-6379}"

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  return 1
}

hint() {
  cat >&2 <<MSG
$1 is not reachable on $2 and could not be started here.
Start it yourself, for example:
  docker compose up -d db redis          # the services of docker-compose.yml
  # or Debian/Ubuntu: apt-get install postgresql redis-server
Then re-run. Override the address with PGHOST/PGPORT or REDIS_HOST/REDIS_PORT.
MSG
  exit 1
}

if ! port_open "$PGHOST" "$PGPORT"; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ "$PGHOST" = 127.0.0.1 ]; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    wait_port "$PGHOST" "$PGPORT" || hint PostgreSQL "$PGHOST:$PGPORT"
  else
    hint PostgreSQL "$PGHOST:$PGPORT"
  fi
fi

if ! port_open "$REDIS_HOST" "$REDIS_PORT"; then
  if command -v redis-server >/dev/null 2>&1 && [ "$REDIS_HOST" = 127.0.0.1 ]; then
    echo "==> starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_port "$REDIS_HOST" "$REDIS_PORT" || hint Redis "$REDIS_HOST:$REDIS_PORT"
  else
    hint Redis "$REDIS_HOST:$REDIS_PORT"
  fi
fi
