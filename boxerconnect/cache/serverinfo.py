"""The Redis server's own figures for /metrics: memory, evictions, clients, keyspace hits.

One `INFO` at most every REDIS_INFO_INTERVAL seconds per process (a snapshot kept behind a
monotonic-clock gate), taken by a scrape, never by an API request. It goes around the guarded
client on purpose: a denied `INFO` (renamed away or forbidden by an ACL, as managed services
do) is no Redis failure and must neither open the breaker nor rotate the cache; the figures
are then simply absent. While the breaker is open nothing is sent: Redis is reported down.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from redis.exceptions import ResponseError

from boxerconnect.cache import pool
from boxerconnect.cache.breaker import OPEN
from boxerconnect.cache.guarded import guarded

logger = logging.getLogger(__name__)

# INFO field → (metric name, kind, help); counters get `_total` from prometheus_client.
FIELDS = {
    "used_memory": ("redis_memory_used_bytes", "gauge", "Memory Redis uses (INFO used_memory)."),
    "maxmemory": (
        "redis_memory_max_bytes",
        "gauge",
        "Redis's memory limit (INFO maxmemory; 0: no limit).",
    ),
    "evicted_keys": (
        "redis_evicted_keys",
        "counter",
        "Keys Redis evicted at its memory limit since it started (INFO evicted_keys).",
    ),
    "connected_clients": (
        "redis_connected_clients",
        "gauge",
        "Client connections to Redis, from every host (INFO connected_clients).",
    ),
    "keyspace_hits": (
        "redis_keyspace_hits",
        "counter",
        "Lookups that found their key since Redis started (INFO keyspace_hits).",
    ),
    "keyspace_misses": (
        "redis_keyspace_misses",
        "counter",
        "Lookups that found no key since Redis started (INFO keyspace_misses).",
    ),
}


@dataclass(frozen=True)
class Snapshot:
    up: bool  # Redis answered (INFO, or an error reply refusing it)
    figures: dict[str, float] = field(default_factory=dict)  # empty when INFO is denied
    taken: float = 0.0  # time.monotonic()


_lock = threading.Lock()
_snapshot: Snapshot | None = None


def redis_configured() -> bool:
    return str(settings.CACHES["guarded"]["BACKEND"]).startswith("django_redis")


def snapshot(clock: Callable[[], float] = time.monotonic) -> Snapshot | None:
    """This process's latest snapshot, renewed when older than REDIS_INFO_INTERVAL; None
    without Redis (or before a first one could be taken). Concurrent scrapes wait for the
    one INFO in flight (bounded by the socket timeout) instead of sending their own."""
    global _snapshot
    if not redis_configured():
        return None
    with _lock:
        now = clock()
        if _snapshot is None or now - _snapshot.taken >= settings.REDIS_INFO_INTERVAL:
            taken = _take(now)
            # No free connection in this process (pool.py) says nothing about Redis: keep the
            # last snapshot, if any (still old: the next scrape tries again).
            if taken is not None:
                _snapshot = taken
        return _snapshot


def forget() -> None:
    """Drop the snapshot (tests; after a configuration change)."""
    global _snapshot
    with _lock:
        _snapshot = None


def _take(now: float) -> Snapshot | None:
    """A fresh snapshot, or None when this process's pool had no free connection."""
    if guarded.breaker.state == OPEN:
        return Snapshot(up=False, taken=now)
    try:
        info = guarded.backend.client.get_client(write=False).info()
    except Exception as exc:
        if pool.exhausted(exc):
            return None
        if isinstance(exc, ResponseError):  # renamed away, or NOPERM: up, figures unknown
            logger.info("redis INFO refused (%s): server figures left out of /metrics", exc)
            return Snapshot(up=True, taken=now)
        logger.warning("redis INFO failed: %s", type(exc).__name__)
        return Snapshot(up=False, taken=now)
    figures = {name: float(info[name]) for name in FIELDS if isinstance(info.get(name), int | float)}
    return Snapshot(up=True, figures=figures, taken=now)
