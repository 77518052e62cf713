"""The Redis connection pool of a process: at most REDIS_MAX_CONNECTIONS, never more.

redis-py's plain `ConnectionPool` fails a checkout at once ("Too many connections") when it is
full; its `BlockingConnectionPool` waits up to `timeout` seconds for a connection to come back
(and opens new ones only when none is idle). This pool is the blocking one, with a short wait
(REDIS_POOL_TIMEOUT): a burst waits a moment for a connection instead of failing. When the
wait ends without one it raises `PoolExhausted`, which the guarded client (guarded.py) turns
into "no cache for this call" without counting a Redis failure: the server is fine, this
process is just busy. Sizing: docs/operations.md#redis-connection-budget.

It also reports its size (`redis_pool_connections`, per process) and every exhausted wait
(`redis_pool_exhausted_total`).
"""

from typing import Any

from redis.connection import BlockingConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

from boxerconnect import metrics

_NO_CONNECTION = "No connection available."  # BlockingConnectionPool's message when the wait ends


class PoolExhausted(RedisConnectionError):
    """No connection of this process's pool came free within REDIS_POOL_TIMEOUT."""


class BudgetedConnectionPool(BlockingConnectionPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        metrics.REDIS_POOL_MAX.set(self.max_connections)

    def reset(self) -> None:  # also after a fork: the child starts with no connection
        super().reset()  # type: ignore[no-untyped-call]
        metrics.REDIS_POOL_CONNECTIONS.set(0)

    def make_connection(self) -> Any:
        connection = super().make_connection()  # type: ignore[no-untyped-call]
        metrics.REDIS_POOL_CONNECTIONS.set(len(self._connections))
        return connection

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        except RedisConnectionError as exc:
            if exc.args != (_NO_CONNECTION,):
                raise
            metrics.REDIS_POOL_EXHAUSTED.inc()
            raise PoolExhausted(
                f"all {self.max_connections} connections of this process are busy "
                f"(REDIS_MAX_CONNECTIONS); waited {self.timeout}s"
            ) from exc


def exhausted(exc: BaseException) -> bool:
    """Was `exc` (or what it wraps: django-redis re-raises) a pool that had no connection?

    This pool's `PoolExhausted`, or redis-py's `MaxConnectionsError` from a non-blocking pool
    (a Sentinel-managed one, say): either way nothing was sent to Redis.
    """
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, PoolExhausted | MaxConnectionsError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
