"""The hot read: one MGET of raw bytes, on a connection each thread keeps checked out, with
the request's throttle counters in the same round trip.

Going through redis-py's client and django-redis costs about twice the loopback round trip
itself (a pool checkout with a readiness syscall, a retry wrapper, per-key decoding that tries
int() first). `mget` sends the same MGET on a pooled connection of the same class, so server
vetting and reconnect notices (events.py) still run. `CACHE_FAST_PATH=false` sends it through
redis-py's client instead (same bytes, same round trip, the slower path). With Sentinel the
connection is a sentinel-managed one: it finds the primary through the sentinels whenever it
(re)connects, and is handed back as soon as this process learns of a new primary (sentinel.py).

Raw reads need django-redis's default client with the JSON serializer, no compression and
Django's default key function (the configuration settings.py builds); any other cache is
read through the backend's own `get_many` (`raw_key_prefix` returns None for it).
"""

import os
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import BaseCache, default_key_func
from django_redis.client import DefaultClient
from django_redis.compressors.identity import IdentityCompressor
from django_redis.serializers.json import JSONSerializer
from redis.exceptions import ConnectionError as RedisConnectionError

from boxerconnect.cache import events


def enabled() -> bool:
    value: bool = settings.CACHE_FAST_PATH
    return value


class _Held:
    """A thread's checked-out connection; handed back to its pool when the thread ends."""

    __slots__ = ("connection", "pid", "pool", "switches")

    def __init__(self, pool: Any, connection: Any) -> None:
        self.pool, self.connection, self.pid = pool, connection, os.getpid()
        self.switches = events.primary_switches  # a later switch: check a new one out

    def __del__(self, _getpid: Any = os.getpid) -> None:  # (at interpreter exit `os` may be gone)
        try:
            if self.pid == _getpid():  # a parent's connection after a fork is just forgotten
                self.pool.release(self.connection)
        except Exception:  # noqa: S110 - nothing to do about a pool that is gone
            pass


def raw_key_prefix(backend: BaseCache) -> str | None:
    """The key prefix when `backend` can be read raw, else None (remembered on the backend)."""
    known: str | None | bool = getattr(backend, "_bc_raw_key_prefix", False)
    if known is False:
        client = getattr(backend, "client", None)
        plain = (
            type(client) is DefaultClient
            and type(client._serializer) is JSONSerializer
            and type(client._compressor) is IdentityCompressor
            and backend.key_func is default_key_func
        )
        known = f"{backend.key_prefix}:{backend.version}:" if plain else None
        backend._bc_raw_key_prefix = known  # type: ignore[attr-defined]
    return known if isinstance(known, str) else None


Counter = tuple[str, int]  # (prefixed key, window in seconds): a throttle's hit to count


def _counted(hits: Any, ttl: Any, window: int) -> tuple[int, float]:
    return int(hits), float(ttl if ttl and ttl > 0 else window)


def _off_primary(pool: Any, connection: Any) -> bool:
    """Is this connection open to another server than the primary its Sentinel pool knows?
    (A switch is announced before the pool records the new address: a connection checked
    out in between may still be one to the old primary.)"""
    return (
        getattr(pool, "is_master", False)
        and pool.master_address is not None
        and connection._sock is not None
        and (connection.host, connection.port) != pool.master_address
    )


def mget(
    local: threading.local, backend: Any, made_keys: list[str], counters: Sequence[Counter] = ()
) -> tuple[list[bytes | None], list[tuple[int, float]]]:
    """MGET `made_keys` (already prefixed) and count one hit in each of `counters`, in ONE
    round trip: returns the raw values in order, and (hits so far, seconds left) per counter.

    A counter is a window opened by its first hit: SET NX EX, INCR, TTL (the commands of
    `GuardedCache.count_hit`), written with the MGET in one send, read back in order.
    On the fast path the connection stays checked out by this thread (`local.held`). A
    connection that failed mid-command is closed (a late reply must never be read as the next
    command's); the next call reconnects, and the server is vetted again.
    """
    client = backend.client.get_client(write=False)
    commands: list[tuple[Any, ...]] = []
    for key, window in counters:
        commands += [("SET", key, 0, "EX", window, "NX"), ("INCR", key), ("TTL", key)]
    commands.append(("MGET", *made_keys))
    if not enabled():
        pipeline = client.pipeline(transaction=False)
        for command in commands:
            pipeline.execute_command(*command)
        replies = pipeline.execute()
    else:
        pool = client.connection_pool
        held: _Held | None = getattr(local, "held", None)
        if (
            held is None
            or held.pool is not pool
            or held.pid != os.getpid()
            or held.switches != events.primary_switches
            or _off_primary(pool, held.connection)
        ):
            local.held = None  # the old one is released first (to the old primary: closed)
            local.held = held = _Held(pool, pool.get_connection())
        connection = held.connection
        # A socket that died while idle (server restarted, connection killed, primary
        # demoted) fails on first use: reconnect (through the sentinels, if any; vetting the
        # server) and send once more, as redis-py's client does. Never after a timeout: a
        # frozen server must cost one timeout, not two. (A resend after a failed send may
        # count a hit twice: a throttle errs on the strict side.)
        retry = connection._sock is not None
        while True:
            try:
                connection.send_packed_command(connection.pack_commands(commands))
                replies = [connection.read_response() for _ in commands]
                break
            except RedisConnectionError:
                connection.disconnect()
                if not retry:
                    raise
                retry = False
            except BaseException:
                connection.disconnect()  # a reply may still be in flight: reconnect next time
                raise
    counts = [
        _counted(replies[3 * i + 1], replies[3 * i + 2], window) for i, (_key, window) in enumerate(counters)
    ]
    values: list[bytes | None] = replies[-1]
    return values, counts
