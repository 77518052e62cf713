"""Dependency probes for /health, /health/ready and `manage.py healthcheck`.

Each probe runs in its own thread and is waited on for at most HEALTH_PROBE_TIMEOUT
seconds, so a hung PostgreSQL or a frozen Redis cannot hold a health request. While a
previous probe of the same dependency is still stuck, the dependency is reported down at
once instead of stacking more stuck threads.
"""

import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections

import boxerconnect
from boxerconnect.breaker import CLOSED, guarded

STARTED_AT = time.monotonic()

_inflight: dict[str, Future] = {}
_inflight_lock = threading.Lock()


def _run_bounded(name: str, fn) -> tuple[bool, float]:
    """Run `fn` in a daemon thread; return (succeeded, elapsed ms) within the timeout."""
    started = time.perf_counter()
    with _inflight_lock:
        previous = _inflight.get(name)
        if previous is not None and not previous.done():
            return False, 0.0
        future: Future = Future()
        _inflight[name] = future

    def target():
        try:
            fn()
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(True)

    threading.Thread(target=target, name=f"health-{name}", daemon=True).start()
    try:
        future.result(timeout=settings.HEALTH_PROBE_TIMEOUT)
        ok = True
    except Exception:
        ok = False
    return ok, round((time.perf_counter() - started) * 1000, 2)


def _ping_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # this thread's connections only


def redis_configured() -> bool:
    return settings.CACHES["guarded"]["BACKEND"].startswith("django_redis")


def _ping_redis() -> None:
    guarded.backend.client.get_client(write=False).ping()


def database_status() -> dict:
    ok, elapsed = _run_bounded("database", _ping_database)
    return {"status": "up" if ok else "down", "responseTime": elapsed}


def redis_status() -> dict:
    if not redis_configured():
        return {"status": "disabled", "responseTime": 0, "breaker": guarded.breaker.state}
    ok, elapsed = _run_bounded("redis", _ping_redis)
    up = ok and guarded.breaker.state == CLOSED
    return {"status": "up" if up else "down", "responseTime": elapsed, "breaker": guarded.breaker.state}


def health_report() -> tuple[dict, int]:
    """The /health body and HTTP status: unhealthy (503) without the database,
    degraded (200) without Redis, healthy otherwise."""
    database = database_status()
    redis = redis_status()
    if database["status"] != "up":
        overall, code = "unhealthy", 503
    elif redis["status"] == "down":
        overall, code = "degraded", 200
    else:
        overall, code = "healthy", 200
    body = {
        "status": overall,
        "timestamp": datetime.now(UTC).isoformat(),
        "uptime": round(time.monotonic() - STARTED_AT, 3),
        "version": boxerconnect.__version__,
        "services": {"database": database, "redis": redis},
    }
    return body, code
