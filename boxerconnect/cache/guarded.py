"""The guarded client: one Django cache alias behind a circuit breaker.

Every method is one round trip or none. Any backend error (refused, timeout, OOM) counts as
a breaker failure, is announced as cache trouble (events.py) and raises `CacheUnavailable`;
callers treat that as "no cache" and use the database. Permission facts, read models and
throttle counters all go through the one `guarded` instance of this process.
"""

import builtins
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from django.core.cache import caches
from redis.exceptions import ResponseError

from boxerconnect import metrics
from boxerconnect.cache import events, fastpath, pool, recording
from boxerconnect.cache.breaker import CircuitBreaker
from boxerconnect.cache.keys import PING_KEY

logger = logging.getLogger(__name__)
T = TypeVar("T")


class CacheUnavailable(Exception):
    """The cache could not be used for this call (breaker open or the call failed)."""


def refused_by_server(exc: BaseException) -> bool:
    """Did the server answer with an error (OOM, NOPERM, READONLY...) rather than not answer?"""
    chain: BaseException | None = exc
    visited: set[int] = set()
    while chain is not None and id(chain) not in visited:  # (a chain may loop back on itself)
        if isinstance(chain, ResponseError):
            return True
        visited.add(id(chain))
        chain = chain.__cause__ or chain.__context__
    return False


_backends_epoch = 0


def caches_changed(*, setting: str, **kwargs: Any) -> None:
    """`setting_changed` receiver (connected in apps.py): forget remembered backends."""
    global _backends_epoch
    if setting == "CACHES":
        _backends_epoch += 1


def _is_redis(backend: Any) -> bool:
    client = getattr(backend, "client", None)
    return client is not None and hasattr(client, "get_client")


class GuardedCache:
    """One Django cache alias behind a breaker; every method is one round trip or none."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.breaker = CircuitBreaker(alias)
        self._trips = {o: metrics.CACHE_ROUND_TRIPS.labels(alias, o) for o in ("ok", "error", "bypassed")}
        self._latency = {p: metrics.REDIS_ROUND_TRIP.labels(p) for p in ("fast", "client")}
        self._local = threading.local()
        # Whether the latest failure was an error answer of a reachable server (say, OOM under
        # `noeviction`): then a deletion may still get through (stamped.send_bumps).
        self.last_failure_refused = False

    @property
    def backend(self) -> Any:
        """The alias's backend, remembered per thread (Django's lookup is a context-local)."""
        local = self._local
        if getattr(local, "epoch", None) != _backends_epoch:
            local.backend, local.epoch = caches[self.alias], _backends_epoch
        return local.backend

    def call(self, fn: Callable[[], T], path: str = "client") -> T:
        """Run one cache operation; raise CacheUnavailable instead of any cache error.

        Its duration is observed in `redis_round_trip_seconds{path}`. A pool with no free
        connection (pool.py) is not a Redis failure: the call is skipped (no cache for it)
        without a breaker failure or a trouble notice, as nothing was sent.
        """
        recorded = recording.current()
        if recorded is not None:
            recorded.trips += 1
        if not self.breaker.allow():
            self._trips["bypassed"].inc()
            raise CacheUnavailable(f"{self.alias} cache breaker is open")
        started = time.perf_counter()
        try:
            result = fn()
        except Exception as exc:  # any backend error (refused, timeout, OOM) means "no cache"
            if pool.exhausted(exc):
                self.breaker.release_probe()
                logger.warning("cache %s call skipped: %s", self.alias, exc)
                raise CacheUnavailable(str(exc)) from exc
            self._latency[path].observe(time.perf_counter() - started)
            self.last_failure_refused = refused_by_server(exc)
            self.breaker.record_failure()
            events.notify(f"{self.alias} call failed")
            self._trips["error"].inc()
            logger.warning("cache %s call failed: %s", self.alias, type(exc).__name__)
            raise CacheUnavailable(str(exc)) from exc
        self._latency[path].observe(time.perf_counter() - started)
        self.breaker.record_success()
        self.last_failure_refused = False
        self._trips["ok"].inc()
        return result

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        raw = self.get_many_raw(keys)
        if raw is None:
            return self.call(lambda: self.backend.get_many(keys))
        loads = orjson.loads
        return {key: loads(value) for key, value in zip(keys, raw, strict=True) if value is not None}

    def get_many_raw(self, keys: list[str]) -> list[bytes | None] | None:
        """The stored JSON of each key, in order (None: missing), in one MGET (fastpath.py).

        Returns None, without a round trip, when this cache cannot be read raw: use
        `get_many`. Raw values decode with any JSON parser to exactly what django-redis's
        JSON serializer wrote (ints are stored as digits: they read back as ints too).
        """
        found = self.read_and_count(keys, [])
        return None if found is None else found[0]

    def read_and_count(
        self, keys: list[str], counters: list[tuple[str, int]]
    ) -> tuple[list[bytes | None], list[tuple[int, float]]] | None:
        """`get_many_raw(keys)` and `count_hit` of each (key, window) of `counters`, in ONE
        round trip: (raw values, (hits, seconds left) per counter). None, without a round
        trip, when this cache cannot be read raw."""
        backend = self.backend
        prefix = fastpath.raw_key_prefix(backend)
        if prefix is None:
            return None
        made = [prefix + key for key in keys]
        made_counters = [(prefix + key, window) for key, window in counters]
        return self.call(
            lambda: fastpath.mget(self._local, backend, made, made_counters),
            "fast" if fastpath.enabled() else "client",
        )

    def set_many(self, mapping: dict[str, Any], timeout: float | None) -> None:
        self.call(lambda: self.backend.set_many(mapping, timeout=timeout))

    def set_many_then_get(self, mapping: dict[str, Any], timeout: float | None, key: str) -> Any:
        """`set_many(mapping)`, then GET `key` (raw, not decoded; None: missing), in one
        round trip on django-redis, on the connection that wrote (stamped.send_bumps reads
        the fence, which sentinel.py writes raw)."""
        backend = self.backend
        if not _is_redis(backend):

            def fallback() -> Any:
                backend.set_many(mapping, timeout=timeout)
                return backend.get(key)

            return self.call(fallback)
        client = backend.client

        def pipelined() -> Any:
            pipeline = client.get_client(write=True).pipeline(transaction=False)
            for name, value in mapping.items():
                client.set(name, value, timeout, client=pipeline)
            pipeline.get(client.make_key(key))
            return pipeline.execute()[-1]

        return self.call(pipelined)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        added: bool = self.call(lambda: self.backend.add(key, value, timeout=timeout))
        return added

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        self.call(lambda: self.backend.set(key, value, timeout=timeout))

    def delete_many_now(self, keys: list[str]) -> None:
        """DEL `keys` in one round trip, past the breaker (raises the backend's error).

        Only for right after the server answered a write with an error: a server out of
        memory under `noeviction` refuses every write but still deletes.
        """
        self.backend.delete_many(keys)
        self._trips["ok"].inc()

    def ping(self) -> None:
        """PING the server through the breaker (for health probes); raises CacheUnavailable.

        While the breaker is open this is skipped, until the cooldown ends: then the ping is
        the half-open probe, so a health check alone closes the breaker when Redis is back.
        """
        backend = self.backend
        if not _is_redis(backend):
            self.call(lambda: backend.get(PING_KEY))  # not Redis: any call will do
            return
        self.call(lambda: backend.client.get_client(write=False).ping())

    def add_many(self, mapping: dict[str, Any], timeout: float | None) -> builtins.set[str]:
        """Set each key only if absent; return the keys that were set.

        One round trip on django-redis (a pipeline of SET NX); other backends fall back to
        one `add` per key (they are in-process or only used in development).
        """
        if not mapping:
            return set()
        backend = self.backend
        if not _is_redis(backend):
            return self.call(lambda: {k for k, v in mapping.items() if backend.add(k, v, timeout=timeout)})
        client = backend.client

        def pipelined() -> builtins.set[str]:
            pipeline = client.get_client(write=True).pipeline()
            for key, value in mapping.items():
                client.set(key, value, timeout, client=pipeline, nx=True)
            results = pipeline.execute()
            return {key for key, ok in zip(mapping, results, strict=True) if ok}

        return self.call(pipelined)

    def count_hit(self, key: str, window: int) -> tuple[int, float]:
        """Count one hit in `key`'s window of `window` seconds, opened by its first hit.

        Returns (hits so far in the window, seconds until it closes). One round trip on
        django-redis (a pipeline of SET NX EX, INCR, TTL); other backends use add + incr.
        """
        backend = self.backend
        if not _is_redis(backend):

            def fallback() -> tuple[int, float]:
                backend.add(key, 0, timeout=window)
                try:
                    return backend.incr(key), float(window)
                except ValueError:  # vanished between add and incr (dummy cache: always)
                    return 0, float(window)

            return self.call(fallback)
        client = backend.client

        def pipelined() -> tuple[int, float]:
            redis_key = client.make_key(key)
            pipeline = client.get_client(write=True).pipeline(transaction=False)
            pipeline.set(redis_key, 0, ex=window, nx=True)
            pipeline.incr(redis_key)
            pipeline.ttl(redis_key)
            _, hits, ttl = pipeline.execute()
            return int(hits), float(ttl if ttl and ttl > 0 else window)

        return self.call(pipelined)


# The one guarded alias of this process: permission facts, read models, throttle counters.
guarded = GuardedCache("guarded")
