"""Redis Sentinel: every connection finds the primary through the sentinels, and every
process notices a switch of primary at once.

- A connection asks the sentinels for the primary each time it connects (redis-py's
  `SentinelManagedConnection`, through django-redis's `SentinelConnectionFactory`). Of the
  sentinels that answer, the one with the highest configuration epoch wins (`EpochSentinel`):
  a sentinel that has not heard of a failover yet cannot send a process back to the old
  primary while the others already name the new one.
- A manual failover (`SENTINEL FAILOVER`) leaves the old primary up, still accepting writes,
  for several seconds before the sentinels demote it; connections already open to it would
  keep writing there, and those writes are lost when it resyncs. So every process subscribes
  to `+switch-master` on every sentinel (`ensure_watching`, started by the first sentinel
  connection of the process), and looks the primary up again every `POLL_SECONDS` in case a
  message was missed. A new primary (`EpochSentinel.discover_master`, whoever asked) makes
  the pools close their idle connections (connections in use close when released), makes
  the fast path hand back its held connection, and announces cache trouble
  (`events.primary_switched`): the process rotates the namespace on the new primary before
  it trusts the cache again, which covers any bump it sent to the old one after the promotion.
- The new primary itself is vetted on first contact like any server (events.py: its run id
  is not the adopted one), so bumps the old primary never replicated cannot be served.
- The watcher is one thread among the request threads: a process starved of CPU (or that
  missed the message) hears of the switch late, while others already serve from the new
  primary. So the vetting of the new primary also fences every other data node
  (`fence_others`); a process that finds the fence with a lookup or a bump moves and rotates
  before it uses what it read or answers the write (stamped.py).
"""

import contextlib
import logging
import os
import threading
import time
import weakref
from typing import Any

from django_redis.pool import SentinelConnectionFactory as DjangoRedisSentinelFactory
from redis.connection import Connection
from redis.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool

from boxerconnect.cache import events

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # a missed +switch-master message is caught this late at worst
RETRY_SECONDS = 1.0  # a sentinel that cannot be subscribed to is tried again this often


class EpochSentinel(Sentinel):
    """Asks every sentinel; the valid answer with the highest config epoch is the primary."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._known: dict[str, tuple[str, int]] = {}
        self._known_lock = threading.Lock()

    def discover_master(self, service_name: str) -> tuple[str, int]:
        best: tuple[int, tuple[str, int]] | None = None
        errors = []
        for sentinel in self.sentinels:
            try:
                state = sentinel.sentinel_masters().get(service_name)
            except Exception as exc:  # an unreachable sentinel: the others decide
                errors.append(f"{sentinel.connection_pool.connection_kwargs.get('port')}: {exc!r}")
                continue
            if state and self.check_master_state(state, service_name):  # type: ignore[no-untyped-call]
                candidate = (int(state.get("config-epoch", 0)), (state["ip"], int(state["port"])))
                if best is None or candidate[0] > best[0]:
                    best = candidate
        if best is None:
            detail = f" ({'; '.join(errors)})" if errors else ""
            raise MasterNotFoundError(f"No master found for {service_name!r}{detail}")
        address = best[1]
        with self._known_lock:
            previous = self._known.get(service_name)
            self._known[service_name] = address
        if previous is not None and previous != address:
            events.primary_switched(service_name, previous, address)
        return address


class PrimaryConnectionPool(SentinelConnectionPool):
    """redis-py's Sentinel pool, except for a connection to a former primary handed back
    after a switch: redis-py closes and forgets it without giving its slot back (one slot
    lost per connection in use at each failover, until a pool with `max_connections` is
    exhausted); here it is closed and kept, and reconnects to the current primary when
    next used."""

    def owns_connection(self, connection: Any) -> bool:
        if connection.pid != self.pid:
            return False
        if self.is_master and self.master_address != (connection.host, connection.port):
            connection.disconnect()
        return True


class SentinelConnectionFactory(DjangoRedisSentinelFactory):  # type: ignore[misc]
    """django-redis's Sentinel connection factory, asking the sentinels with `EpochSentinel`."""

    def __init__(self, options: dict[str, Any]) -> None:
        options.setdefault("CONNECTION_POOL_CLASS", "boxerconnect.cache.sentinel.PrimaryConnectionPool")
        super().__init__(options)
        connection_kwargs = self.make_connection_params(None)
        connection_kwargs.pop("url")
        connection_kwargs.update(self.pool_cls_kwargs)
        self._sentinel = EpochSentinel(
            options["SENTINELS"], sentinel_kwargs=options.get("SENTINEL_KWARGS"), **connection_kwargs
        )


FENCE_TIMEOUT = 0.5  # seconds per former primary: one that does not answer is no one's primary


def fence_others(connection: Any, fence: str) -> None:
    """On the first connection to a new primary (events.py, before it serves anything): SET
    `fence` (a made key) to the new primary's address on every other data node the sentinels
    know for the service (the primary they named before, its replicas).

    After `SENTINEL FAILOVER` the old primary stays a writable primary for seconds, and a
    process that has not heard of the switch yet (its watcher starved of CPU, or a message
    missed) still reads and bumps there. It finds the fence in the same round trip and moves
    (stamped.py). Replicas refuse the write (READONLY) and a node that does not answer is
    skipped: neither is anyone's primary.
    """
    pool = connection.connection_pool
    own = (str(connection.host), int(connection.port))
    nodes: set[tuple[str, int]] = set()
    for known in pool.sentinel_manager.sentinels:
        try:
            state = known.sentinel_masters().get(pool.service_name)
            replicas = known.sentinel_slaves(pool.service_name)
        except Exception:  # noqa: S112 - an unreachable sentinel: the others list the nodes
            continue
        if state:
            nodes.add((str(state["ip"]), int(state["port"])))
        nodes.update((str(replica["ip"]), int(replica["port"])) for replica in replicas)
    nodes.discard(own)
    for host, port in sorted(nodes):
        other: Any = Connection(  # type: ignore[no-untyped-call]
            host=host,
            port=port,
            username=connection.username,
            password=connection.password,
            db=connection.db,
            socket_timeout=FENCE_TIMEOUT,
            socket_connect_timeout=FENCE_TIMEOUT,
        )
        try:
            other.send_command("SET", fence, f"{own[0]}:{own[1]}")
            other.read_response()
            logger.warning("redis %s:%s fenced: %s:%s is the primary now", host, port, *own)
        except Exception as exc:  # a replica (READONLY) or a node that is down
            logger.debug("redis %s:%s not fenced: %r", host, port, exc)
        finally:
            other.disconnect()


def primary_address(backend: Any) -> str | None:
    """`host:port` of the primary the sentinels name for `backend` (asked now), or None when
    the backend is not Sentinel-managed. Raises when no sentinel names a primary."""
    client = getattr(backend, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    pool: Any = client.get_client(write=True).connection_pool
    if not isinstance(pool, SentinelConnectionPool):
        return None
    host, port = pool.get_master_address()  # type: ignore[no-untyped-call]
    return f"{host}:{port}"


# --- The watcher: +switch-master on every sentinel, per process ------------------------------

_pools: "weakref.WeakSet[SentinelConnectionPool]" = weakref.WeakSet()
_watched: set[tuple[int, int]] = set()  # (pid, id of the sentinel manager) being watched
_lock = threading.Lock()


def ensure_watching(connection: Any) -> None:
    """Called on every sentinel connection's handshake: make sure this process watches the
    sentinels of its pool (threads do not survive a fork: checked by pid)."""
    pool = connection.connection_pool.connection_pool_ref()
    if pool is None:
        return
    manager = pool.sentinel_manager
    key = (os.getpid(), id(manager))
    if key in _watched and pool in _pools:
        return
    with _lock:
        _pools.add(pool)
        if key in _watched:
            return
        _watched.add(key)
        for sentinel in manager.sentinels:
            threading.Thread(
                target=_watch, args=(key, sentinel), name="redis-sentinel-watch", daemon=True
            ).start()


def stop_watching() -> None:
    """Let this process's watchers end and forget its pools (tests whose sentinels are gone)."""
    with _lock:
        _watched.clear()
        _pools.clear()


def _check_primaries() -> None:
    """Ask the sentinels for the primary of every watched pool (a change is acted on in
    `EpochSentinel.discover_master`; the pool closes its idle connections to the old one)."""
    pool: Any
    for pool in list(_pools):
        # No primary right now (a failover in progress): connections retry on use.
        with contextlib.suppress(MasterNotFoundError):
            pool.get_master_address()


def _watch(key: tuple[int, int], sentinel: Any) -> None:
    while key in _watched:
        pubsub = None
        try:
            pubsub = sentinel.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe("+switch-master")
            _check_primaries()  # a switch that happened while not subscribed
            polled = time.monotonic()
            while key in _watched:
                message = pubsub.get_message(timeout=1.0)
                if message is not None or time.monotonic() - polled >= POLL_SECONDS:
                    _check_primaries()
                    polled = time.monotonic()
        except Exception as exc:  # the sentinel went away: subscribe again shortly
            logger.debug("sentinel watch interrupted: %r", exc)
        finally:
            if pubsub is not None:
                with contextlib.suppress(Exception):  # a dead connection has nothing to close
                    pubsub.close()
        time.sleep(RETRY_SECONDS)
