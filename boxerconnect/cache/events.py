"""Process-wide news that the shared cache may have missed writes, and Redis server vetting.

A Redis that another process could not write to (frozen, partitioned, restarted from a
snapshot, failed over to a lagging replica) may hold entries that are no longer true. Any
sign of that (a failed cache call, a connection that had to be re-established) is announced
here; the stamped protocol (stamped.py) subscribes and rotates its namespace before it trusts Redis
again. A server instance seen for the first time (new run id) is vetted on the very
connection that found it, before that connection serves anything (`on_adopt`).
Settings load the connection classes: nothing here reads settings at import.
"""

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.connection import AbstractConnection, Connection, SSLConnection, UnixDomainSocketConnection
from redis.sentinel import SentinelManagedConnection

from boxerconnect.cache import keys

logger = logging.getLogger(__name__)

_subscribers: list[Callable[[str], None]] = []
_lock = threading.Lock()


def subscribe(callback: Callable[[str], None]) -> None:
    """Call `callback(reason)` on every cache trouble event of this process."""
    with _lock:
        if callback not in _subscribers:
            _subscribers.append(callback)


def notify(reason: str) -> None:
    for callback in list(_subscribers):
        try:
            callback(reason)
        except Exception:  # a subscriber's bug must not break the cache call that noticed
            logger.exception("cache trouble subscriber failed")


# How many times this process saw the primary move (sentinel.py): a connection held across
# calls (fastpath.py) is handed back when this changes, so it reconnects to the new primary.
primary_switches = 0


def primary_switched(service: str, old: tuple[str, int], new: tuple[str, int]) -> None:
    """The sentinels name a new primary for `service`: whatever this process wrote to the old
    one since the promotion may be lost, so it rotates on the new one before trusting it."""
    global primary_switches
    with _lock:
        primary_switches += 1
    logger.warning("redis primary of %s moved from %s:%s to %s:%s", service, *old, *new)
    notify("redis primary switched")


# The adopted key (keys.py, under the deployment's CACHE_KEY_PREFIX) holds the run id of the
# server instance whose contents this deployment has vetted. A server that restarted (empty,
# or from a snapshot) or a replica promoted by a failover (its own run id: it may lack the
# last writes of the old primary) has a new run id and is vetted again on first contact.

_adopt_hooks: list[Callable[[AbstractConnection], None]] = []


def on_adopt(hook: Callable[[AbstractConnection], None]) -> None:
    """Run `hook(connection)` on the first connection to a server instance not yet vetted.

    The hook runs before the connection serves any command, so it can invalidate whatever
    the server holds (the permission cache rotates its nonce there).
    """
    if hook not in _adopt_hooks:
        _adopt_hooks.append(hook)


if TYPE_CHECKING:  # the mixin is used with redis-py's connection classes (its methods come from them)
    _ConnectionBase = AbstractConnection
else:
    _ConnectionBase = object


class _ReconnectAware(_ConnectionBase):
    """Vets the server on every new connection; announces re-connections.

    redis-py silently reconnects after a dropped connection (a server restart, a failover, a
    network blip); the server may then hold data older than writes other processes made, or
    miss writes they could not deliver. On each connect: if the server's run id is not the
    adopted one, the adopt hooks run on this connection before it is used, and the run id is
    adopted. A re-connection to the same server is announced (`notify`) either way.

    `adopted_key` is the deployment's own key (its CACHE_KEY_PREFIX): deployments sharing a
    server vet it each for itself (`connection_class` makes one class per prefix).
    """

    adopted_key = keys.adopted_key("")

    def on_connect_check_health(self, check_health: bool = True) -> None:
        # redis-py's handshake (AUTH, SELECT...); every connect() ends here.
        super().on_connect_check_health(check_health=check_health)
        reconnect = getattr(self, "_bc_was_connected", False)
        self._bc_was_connected = True
        raw: Any = self  # redis-py's send_command/read_response carry no annotations
        try:
            raw.send_command("INFO", "server")
            info = raw.read_response()
            info = info.decode() if isinstance(info, bytes) else str(info)
            run_id = next(
                (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("run_id:")),
                "",
            )
            raw.send_command("GET", self.adopted_key)
            adopted = raw.read_response()
            adopted = adopted.decode() if isinstance(adopted, bytes) else adopted
        except Exception:  # INFO renamed or forbidden (some managed Redis): announce reconnects only
            logger.warning("cannot read the Redis run id; relying on reconnect notices")
            run_id = adopted = ""
        if run_id and adopted != run_id:
            for hook in list(_adopt_hooks):
                hook(self)
            raw.send_command("SET", self.adopted_key, run_id)
            raw.read_response()
            # Vetted before this connection served anything: no notice needed.
            logger.warning("redis server %s adopted: cached permission facts invalidated", run_id[:8])
        elif reconnect:
            notify("redis reconnect")
        if isinstance(self, SentinelManagedConnection):
            from boxerconnect.cache import sentinel

            sentinel.ensure_watching(self)


class RedisConnection(_ReconnectAware, Connection):
    pass


class RedisSSLConnection(_ReconnectAware, SSLConnection):
    pass


class RedisUnixConnection(_ReconnectAware, UnixDomainSocketConnection):
    pass


class RedisSentinelConnection(_ReconnectAware, SentinelManagedConnection):
    """A connection to the primary the sentinels name, asked on every (re)connect."""


_BASES: dict[str, type[_ReconnectAware]] = {
    "redis": RedisConnection,
    "rediss": RedisSSLConnection,
    "unix": RedisUnixConnection,
    "sentinel": RedisSentinelConnection,
}
_classes: dict[tuple[str, str], type[_ReconnectAware]] = {}


def connection_class(kind: str, key_prefix: str) -> type[_ReconnectAware]:
    """The connection class for `kind` (a URL scheme, or "sentinel") of the deployment whose
    keys start with `key_prefix`: it vets servers under that deployment's adopted key."""
    key = (kind, key_prefix)
    if key not in _classes:
        base = _BASES[kind]
        _classes[key] = type(base.__name__, (base,), {"adopted_key": keys.adopted_key(key_prefix)})
    return _classes[key]
