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

from boxerconnect.cache.keys import ADOPTED_KEY

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


# ADOPTED_KEY (keys.py) holds the run id of the server instance whose contents this
# deployment has vetted. A server that restarted (empty, or from a snapshot or a failover
# that may predate writes) has a new run id and is vetted again on first contact.

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
    """

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
            raw.send_command("GET", ADOPTED_KEY)
            adopted = raw.read_response()
            adopted = adopted.decode() if isinstance(adopted, bytes) else adopted
        except Exception:  # INFO renamed or forbidden (some managed Redis): announce reconnects only
            logger.warning("cannot read the Redis run id; relying on reconnect notices")
            run_id = adopted = ""
        if run_id and adopted != run_id:
            for hook in list(_adopt_hooks):
                hook(self)
            raw.send_command("SET", ADOPTED_KEY, run_id)
            raw.read_response()
            # Vetted before this connection served anything: no notice needed.
            logger.warning("redis server %s adopted: cached permission facts invalidated", run_id[:8])
        elif reconnect:
            notify("redis reconnect")


class RedisConnection(_ReconnectAware, Connection):
    pass


class RedisSSLConnection(_ReconnectAware, SSLConnection):
    pass


class RedisUnixConnection(_ReconnectAware, UnixDomainSocketConnection):
    pass


CONNECTION_CLASSES = {"redis": RedisConnection, "rediss": RedisSSLConnection, "unix": RedisUnixConnection}
