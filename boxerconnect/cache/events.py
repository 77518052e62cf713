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
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.connection import AbstractConnection, Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ResponseError
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
# Where INFO is refused (a managed service, or an ACL user without it), the identity is the
# value of the server-id key instead, created by the first connection that finds it missing:
# a new or emptied server is still vetted; a restore from a snapshot (which holds the key) is
# then noticed only through the reconnect notices of the processes that were connected.

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
    server_id_key = keys.server_id_key("")

    def on_connect_check_health(self, check_health: bool = True) -> None:
        # redis-py's handshake (AUTH, SELECT...); every connect() ends here.
        super().on_connect_check_health(check_health=check_health)
        reconnect = getattr(self, "_bc_was_connected", False)
        self._bc_was_connected = True
        raw: Any = self  # redis-py's send_command/read_response carry no annotations
        # One round trip: the server's run id, the adopted identity, the identity key. INFO
        # is not asked again of a server that refused it to this process.
        server = _server_of(self)
        ask_info = server not in _info_refused
        commands: list[tuple[str, ...]] = [("GET", self.adopted_key), ("GET", self.server_id_key)]
        raw.send_packed_command(raw.pack_commands([("INFO", "server"), *commands] if ask_info else commands))
        run_id = ""
        if ask_info:
            try:
                run_id = _run_id(raw.read_response())
            except ResponseError:  # INFO renamed or refused (ACL -info): the identity key instead
                _info_refused.add(server)
        adopted, stored_id = _text(raw.read_response()), _text(raw.read_response())
        created = ""
        if not run_id:
            _note_key_identity(self.server_id_key)
            # The server's identity is a key this deployment created on it: a server that lost
            # it (a new, empty or replaced instance; or evicted) is vetted again.
            run_id = stored_id or (created := _KEY_IDENTITY_MARK + secrets.token_hex(8))
        if adopted != run_id:
            for hook in list(_adopt_hooks):
                hook(self)
            commands = [("SET", self.adopted_key, run_id)]
            if created:
                commands.append(("SET", self.server_id_key, created))
            raw.send_packed_command(raw.pack_commands(commands))
            for _ in commands:
                raw.read_response()
            # Vetted before this connection served anything: no notice needed.
            logger.warning("redis server %s adopted: cached permission facts invalidated", run_id[:12])
        elif reconnect:
            notify("redis reconnect")
        if isinstance(self, SentinelManagedConnection):
            from boxerconnect.cache import sentinel

            sentinel.ensure_watching(self)


# Servers (address and user) that refused INFO to this process.
_info_refused: set[tuple[object, ...]] = set()


def _server_of(connection: object) -> tuple[object, ...]:
    return tuple(getattr(connection, name, None) for name in ("host", "port", "path", "username"))


_KEY_IDENTITY_MARK = "key:"  # an identity from SERVER_ID_KEY, never a run id (40 hex digits)
_key_identity_noted = False


def _note_key_identity(key: str) -> None:
    global _key_identity_noted
    if not _key_identity_noted:
        _key_identity_noted = True
        logger.info("redis INFO is not available: servers are vetted by the key %s", key)


def _text(reply: Any) -> str:
    return reply.decode() if isinstance(reply, bytes) else (reply or "")


def _run_id(info: Any) -> str:
    """The run_id line of an `INFO server` reply ("" if absent)."""
    text = _text(info)
    return next(
        (line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("run_id:")), ""
    )


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
        _classes[key] = type(
            base.__name__,
            (base,),
            {"adopted_key": keys.adopted_key(key_prefix), "server_id_key": keys.server_id_key(key_prefix)},
        )
    return _classes[key]
