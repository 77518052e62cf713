"""Loaded with `-p` (pyproject's addopts), before Django reads its settings: under pytest-xdist
each worker process gets a Redis database of its own.

Tests flush their cache between tests and count the commands a server runs, so two workers
must never share a Redis database. Every process a test starts (gunicorn, the job worker,
management commands) inherits `REDIS_URL` from the environment, so rewriting it here, once,
before anything reads it, moves the worker and its children together. PostgreSQL needs nothing:
pytest-django gives each xdist worker its own test database (`<name>_gw0`, `<name>_gw1`, ...).
"""

import os
from urllib.parse import urlsplit, urlunsplit


def worker_redis_url(url: str, worker: str) -> str:
    """`redis://host:port/3` for worker `gw1` → `redis://host:port/5` (the base database + 1 + n)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    database = base + 1 + index
    if database > 15:
        raise RuntimeError(f"REDIS_URL database {base} leaves no room for xdist worker {worker}")
    return urlunsplit(parts._replace(path=f"/{database}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL", "").startswith(("redis://", "rediss://")):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)
