"""A per-process circuit breaker and a cache wrapper that routes every call through it.

When the cache server refuses, hangs or vanishes, callers should not pay the socket timeout
on every request: after `threshold` consecutive failures the breaker opens and calls are
bypassed for `cooldown` seconds; then exactly one caller probes, and its outcome closes or
reopens the breaker. Callers treat `CacheUnavailable` as "no cache" and use the database.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import orjson
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import default_key_func
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis.client import DefaultClient
from django_redis.compressors.identity import IdentityCompressor
from django_redis.serializers.json import JSONSerializer
from redis.exceptions import ConnectionError as RedisConnectionError

from boxerconnect import cache_events, metrics

logger = logging.getLogger(__name__)
T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
_STATE_VALUE = {CLOSED: 0, OPEN: 1, HALF_OPEN: 2}


class CacheUnavailable(Exception):
    """The cache could not be used for this call (breaker open or the call failed)."""


class CircuitBreaker:
    """Consecutive-failure breaker with a single half-open probe; thread-safe."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.state = CLOSED
            self.failures = 0
            self.opened_until = 0.0
            self._probing = False
        metrics.BREAKER_STATE.labels(self.name).set(0)

    @property
    def threshold(self) -> int:
        return settings.PERMISSION_CACHE_BREAKER_THRESHOLD

    @property
    def cooldown(self) -> float:
        return settings.PERMISSION_CACHE_BREAKER_COOLDOWN

    def allow(self) -> bool:
        """May a call go to the cache now? In half-open state only the single prober may."""
        if self.state == CLOSED:  # the common case needs no lock
            return True
        with self._lock:
            if self.state == CLOSED:
                return True
            if self.state == OPEN and self._clock() >= self.opened_until and not self._probing:
                self._set(HALF_OPEN)
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        if self.state == CLOSED and not self.failures and not self._probing:
            return  # nothing to reset (the common case needs no lock)
        with self._lock:
            self.failures = 0
            self._probing = False
            if self.state != CLOSED:
                logger.warning("cache breaker %s closed: cache reachable again", self.name)
                self._set(CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.state == HALF_OPEN or self.failures >= self.threshold:
                if self.state != OPEN:
                    logger.warning(
                        "cache breaker %s opened after %d failure(s); bypassing for %.1fs",
                        self.name,
                        self.failures,
                        self.cooldown,
                    )
                self.opened_until = self._clock() + self.cooldown
                self._set(OPEN)

    def _set(self, state: str) -> None:
        self.state = state
        metrics.BREAKER_STATE.labels(self.name).set(_STATE_VALUE[state])


class _Held:
    """A thread's checked-out connection; handed back to its pool when the thread ends."""

    __slots__ = ("connection", "pid", "pool")

    def __init__(self, pool, connection) -> None:
        self.pool, self.connection, self.pid = pool, connection, os.getpid()

    def __del__(self, _getpid=os.getpid) -> None:  # (at interpreter exit `os` may be gone)
        try:
            if self.pid == _getpid():  # a parent's connection after a fork is just forgotten
                self.pool.release(self.connection)
        except Exception:  # noqa: S110 - nothing to do about a pool that is gone
            pass


def _raw_key_prefix(backend) -> str | None:
    """The key prefix when `backend` can be read raw, else None.

    Raw reads need django-redis's default client with the JSON serializer, no compression
    and Django's default key function (the configuration settings.py builds); any other
    cache takes the backend's own `get_many`.
    """
    known = getattr(backend, "_bc_raw_key_prefix", False)
    if known is False:
        client = getattr(backend, "client", None)
        plain = (
            type(client) is DefaultClient
            and type(client._serializer) is JSONSerializer
            and type(client._compressor) is IdentityCompressor
            and backend.key_func is default_key_func
        )
        known = backend._bc_raw_key_prefix = f"{backend.key_prefix}:{backend.version}:" if plain else None
    return known


_backends_epoch = 0


@receiver(setting_changed)
def _caches_changed(*, setting: str, **kwargs) -> None:
    global _backends_epoch
    if setting == "CACHES":
        _backends_epoch += 1


class GuardedCache:
    """One Django cache alias behind a breaker; every method is one round trip or none."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.breaker = CircuitBreaker(alias)
        self._trips = {o: metrics.CACHE_ROUND_TRIPS.labels(alias, o) for o in ("ok", "error", "bypassed")}
        self._local = threading.local()

    @property
    def backend(self):
        """The alias's backend, remembered per thread (Django's lookup is a context-local)."""
        local = self._local
        if getattr(local, "epoch", None) != _backends_epoch:
            local.backend, local.epoch = caches[self.alias], _backends_epoch
        return local.backend

    def call(self, fn: Callable[[], T]) -> T:
        """Run one cache operation; raise CacheUnavailable instead of any cache error."""
        if not self.breaker.allow():
            self._trips["bypassed"].inc()
            raise CacheUnavailable(f"{self.alias} cache breaker is open")
        try:
            result = fn()
        except Exception as exc:  # any backend error (refused, timeout, OOM) means "no cache"
            self.breaker.record_failure()
            cache_events.notify(f"{self.alias} call failed")
            self._trips["error"].inc()
            logger.warning("cache %s call failed: %s", self.alias, type(exc).__name__)
            raise CacheUnavailable(str(exc)) from exc
        self.breaker.record_success()
        self._trips["ok"].inc()
        return result

    def get_many(self, keys: list[str]) -> dict:
        raw = self.get_many_raw(keys)
        if raw is None:
            return self.call(lambda: self.backend.get_many(keys))
        loads = orjson.loads
        return {key: loads(value) for key, value in zip(keys, raw, strict=True) if value is not None}

    def get_many_raw(self, keys: list[str]) -> "list[bytes | None] | None":
        """The stored JSON of each key, in order (None: missing), in one MGET.

        Returns None, without a round trip, when this cache cannot be read raw: use
        `get_many`. Raw values decode with any JSON parser to exactly what django-redis's
        JSON serializer wrote (ints are stored as digits: they read back as ints too).
        """
        backend = self.backend
        prefix = _raw_key_prefix(backend)
        if prefix is None:
            return None
        return self.call(lambda: self._held_mget(backend, [prefix + key for key in keys]))

    def _held_mget(self, backend, made_keys: list[str]) -> list:
        """One MGET on a connection this thread keeps checked out: the hot path of a request.

        Going through redis-py's client and django-redis costs about twice the loopback
        round trip itself (a pool checkout with a readiness syscall, a retry wrapper, per-key
        decoding that tries int() first). This sends the same MGET on a pooled connection of
        the same class, so server vetting and reconnect notices still run. A connection that
        failed mid-command is closed (a late reply must never be read as the next command's);
        the next call reconnects, and the server is vetted again.
        """
        pool = backend.client.get_client(write=False).connection_pool
        held = getattr(self._local, "held", None)
        if held is None or held.pool is not pool or held.pid != os.getpid():
            self._local.held = held = _Held(pool, pool.get_connection())  # the old one is released
        connection = held.connection
        # A socket that died while idle (server restarted, connection killed) fails on first
        # use: reconnect (vetting the server) and send once more, as redis-py's client does.
        # Never after a timeout: a frozen server must cost one timeout, not two.
        retry = connection._sock is not None
        while True:
            try:
                connection.send_command("MGET", *made_keys)
                return connection.read_response()
            except RedisConnectionError:
                connection.disconnect()
                if not retry:
                    raise
                retry = False
            except BaseException:
                connection.disconnect()  # a reply may still be in flight: reconnect next time
                raise

    def set_many(self, mapping: dict, timeout: float | None) -> None:
        self.call(lambda: self.backend.set_many(mapping, timeout=timeout))

    def add(self, key: str, value, timeout: float | None) -> bool:
        return self.call(lambda: self.backend.add(key, value, timeout=timeout))

    def set(self, key: str, value, timeout: float | None) -> None:
        self.call(lambda: self.backend.set(key, value, timeout=timeout))

    def ping(self) -> None:
        """PING the server through the breaker (for health probes); raises CacheUnavailable.

        While the breaker is open this is skipped, until the cooldown ends: then the ping is
        the half-open probe, so a health check alone closes the breaker when Redis is back.
        """
        client = getattr(self.backend, "client", None)
        if client is None or not hasattr(client, "get_client"):
            self.call(lambda: self.backend.get("perm:ping"))  # not Redis: any call will do
            return
        self.call(lambda: client.get_client(write=False).ping())

    def add_many(self, mapping: dict, timeout: float | None) -> "set[str]":
        """Set each key only if absent; return the keys that were set.

        One round trip on django-redis (a pipeline of SET NX); other backends fall back to
        one `add` per key (they are in-process or only used in development).
        """
        if not mapping:
            return set()
        backend = self.backend
        client = getattr(backend, "client", None)
        if client is None or not hasattr(client, "get_client"):
            return self.call(lambda: {k for k, v in mapping.items() if backend.add(k, v, timeout=timeout)})

        def pipelined() -> "set[str]":
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
        client = getattr(backend, "client", None)
        if client is None or not hasattr(client, "get_client"):

            def fallback() -> tuple[int, float]:
                backend.add(key, 0, timeout=window)
                try:
                    return backend.incr(key), float(window)
                except ValueError:  # vanished between add and incr (dummy cache: always)
                    return 0, float(window)

            return self.call(fallback)

        def pipelined() -> tuple[int, float]:
            redis_key = client.make_key(key)
            pipeline = client.get_client(write=True).pipeline(transaction=False)
            pipeline.set(redis_key, 0, ex=window, nx=True)
            pipeline.incr(redis_key)
            pipeline.ttl(redis_key)
            _, hits, ttl = pipeline.execute()
            return int(hits), float(ttl if ttl and ttl > 0 else window)

        return self.call(pipelined)


# The one guarded alias of this process: permission facts and throttle counters.
guarded = GuardedCache("guarded")
