"""Dependency probes for /health, /health/ready and `manage.py healthcheck`.

Each probe runs in its own thread and is waited on for at most HEALTH_PROBE_TIMEOUT
seconds (the database and Redis probes of /health in parallel), so a hung PostgreSQL or a
frozen Redis cannot hold a health request for longer than that. A request arriving while a
probe of the same dependency is in flight shares its answer (concurrent health checks used
to report a healthy database down: `make fuzz` saw a 503); once that probe is stuck past its
own timeout, the dependency is reported down at once instead of stacking more stuck threads.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections

import boxerconnect
from boxerconnect import metrics
from boxerconnect.cache import sentinel
from boxerconnect.cache.breaker import CLOSED
from boxerconnect.cache.guarded import guarded

logger = logging.getLogger(__name__)

STARTED_AT = time.monotonic()

_inflight: dict[str, Future] = {}
_launched: dict[str, float] = {}  # when the probe in `_inflight` started (perf_counter)
_inflight_lock = threading.Lock()


def _launch(name: str, fn) -> Callable[[], tuple[bool, object, float]]:
    """Start `fn` in a daemon thread now; the returned callable waits for it until
    HEALTH_PROBE_TIMEOUT after the start and gives (succeeded, fn's result, elapsed ms).
    Probes started together therefore run in parallel and all finish within one timeout."""
    started = time.perf_counter()
    deadline = started + settings.HEALTH_PROBE_TIMEOUT
    with _inflight_lock:
        previous = _inflight.get(name)
        running = previous is not None and not previous.done()
        if running and started - _launched[name] >= settings.HEALTH_PROBE_TIMEOUT:
            return lambda: (False, None, 0.0)  # stuck past its own deadline: down at once
        if running:
            assert previous is not None
            future: Future = previous  # in flight, not stuck (yet): its answer is ours too
        else:
            future = _inflight[name] = Future()
            _launched[name] = started

    def target():
        try:
            value = fn()
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(value)

    if not running:
        threading.Thread(target=target, name=f"health-{name}", daemon=True).start()

    def wait() -> tuple[bool, object, float]:
        try:
            value = future.result(timeout=max(0.0, deadline - time.perf_counter()))
            ok = True
        except Exception:
            ok, value = False, None
        return ok, value, round((time.perf_counter() - started) * 1000, 2)

    return wait


def _start(name: str, fn) -> Callable[[], tuple[bool, float]]:
    """`_launch` for a probe whose result does not matter: waits for (succeeded, elapsed ms)."""
    wait = _launch(name, fn)

    def ok_and_elapsed() -> tuple[bool, float]:
        ok, _, elapsed = wait()
        return ok, elapsed

    return ok_and_elapsed


def _ping_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # this thread's connections only


def redis_configured() -> bool:
    return settings.CACHES["guarded"]["BACKEND"].startswith("django_redis")


def _ping_redis() -> str | None:
    """PING the primary; with Sentinel, first ask the sentinels which server that is (its
    `host:port` is returned and reported as `primary`)."""
    primary = sentinel.primary_address(guarded.backend) if settings.REDIS_SENTINELS else None
    # Through the breaker: while it is open the ping waits for the cooldown, then it is the
    # half-open probe, so /health alone closes the breaker once Redis is back.
    guarded.ping()
    return primary


def _database_result(ok: bool, elapsed: float) -> dict:
    return {"status": "up" if ok else "down", "responseTime": elapsed}


def _redis_result(ok: bool, primary: object, elapsed: float) -> dict:
    up = ok and guarded.breaker.state == CLOSED
    result: dict[str, object] = {
        "status": "up" if up else "down",
        "responseTime": elapsed,
        "breaker": guarded.breaker.state,
    }
    if settings.REDIS_SENTINELS:
        result["primary"] = primary  # None: no sentinel named a reachable primary
    return result


def database_status() -> dict:
    return _database_result(*_start("database", _ping_database)())


def redis_status() -> dict:
    if not redis_configured():
        return {"status": "disabled", "responseTime": 0, "breaker": guarded.breaker.state}
    return _redis_result(*_launch("redis", _ping_redis)())


def _job_stats():
    from boxerconnect.jobs.selectors import job_stats

    try:
        return job_stats()
    finally:
        connections.close_all()  # this thread's connections only


def _jobs_result(ok: bool, stats, elapsed: float) -> dict:
    """`services.jobs`: degraded when a due job has waited longer than
    JOBS_BACKLOG_DEGRADED_SECONDS (no worker running, or too few); down when unreadable."""
    if not ok:
        return {
            "status": "down",
            "responseTime": elapsed,
            "queued": None,
            "oldestQueuedSeconds": None,
            "failed": None,
        }
    backlog = stats.oldest_queued_seconds > settings.JOBS_BACKLOG_DEGRADED_SECONDS
    return {
        "status": "degraded" if backlog else "up",
        "responseTime": elapsed,
        "queued": stats.queued,
        "oldestQueuedSeconds": stats.oldest_queued_seconds,
        "failed": stats.failed,
    }


def jobs_stats_bounded():
    """The job queue's stats read within HEALTH_PROBE_TIMEOUT, or None (for /metrics)."""
    ok, stats, _ = _launch("jobs-metrics", _job_stats)()
    return stats if ok else None


def health_report() -> tuple[dict, int]:
    """The /health body and HTTP status: unhealthy (503) without the database, degraded
    (200) without Redis or with an old job backlog, healthy otherwise."""
    # All probes run at once: the report takes at most one HEALTH_PROBE_TIMEOUT.
    wait_database = _start("database", _ping_database)
    wait_redis = _launch("redis", _ping_redis) if redis_configured() else None
    wait_jobs = _launch("jobs", _job_stats)
    database = _database_result(*wait_database())
    redis = _redis_result(*wait_redis()) if wait_redis else redis_status()
    jobs = _jobs_result(*wait_jobs())
    if database["status"] != "up":
        overall, code = "unhealthy", 503
    elif redis["status"] == "down" or jobs["status"] != "up":
        overall, code = "degraded", 200
    else:
        overall, code = "healthy", 200
    body = {
        "status": overall,
        "timestamp": datetime.now(UTC).isoformat(),
        "uptime": round(time.monotonic() - STARTED_AT, 3),
        "version": boxerconnect.__version__,
        "services": {"database": database, "redis": {**redis, **cache_report()}, "jobs": jobs},
    }
    return body, code


def cache_report() -> dict:
    """Permission-cache and read-model counters (every gunicorn worker's), as /metrics has them.

    Empty if they cannot be read (say, a metrics directory gone): /health still answers.
    """
    try:
        counters = metrics.live_cache_counters()
    except Exception:
        logger.exception("cache counters unavailable for /health")
        return {}
    return {
        "permissionCache": {**counters["events"], "hitRate": counters["hit_rate"]},
        "readModels": {
            model: {**m["events"], "hitRate": m["hit_rate"]} for model, m in counters["read_models"].items()
        },
    }
