"""PostgreSQL session defaults that work behind PgBouncer in transaction pooling.

A start-up `options` parameter (`-c statement_timeout=...`) is refused by PgBouncer, and a
`SET` at connect lands on whichever server connection answers that one statement. So the
settings the app relies on are the defaults of its role in its database, which PostgreSQL
applies to every new session, however it was opened (directly, through PgBouncer, from a pool):

    ALTER ROLE CURRENT_USER IN DATABASE <db> SET statement_timeout = <DB_STATEMENT_TIMEOUT_MS>;
    ALTER ROLE CURRENT_USER IN DATABASE <db> SET timezone = 'UTC';

`migrate` writes them (post_migrate, once per run) so every deployment that migrates has them;
a role may set its own defaults, no superuser needed. Sessions opened before keep their values
until they reconnect (PgBouncer: `RECONNECT`, or its server_lifetime).
"""

from typing import Any

from django.conf import settings
from django.db import connections


def role_settings() -> dict[str, str | int | None]:
    """What the role's defaults should be (None: reset to the server's)."""
    timeout: int = settings.DB_STATEMENT_TIMEOUT_MS
    return {"statement_timeout": timeout or None, "timezone": settings.TIME_ZONE}


def apply_role_settings(using: str = "default") -> list[str]:
    """Write `role_settings()` as the current role's defaults in the current database;
    return the statements run (none off PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    ops: Any = connection.ops  # PostgreSQL's: compose_sql quotes like psycopg
    run = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = ops.quote_name(cursor.fetchone()[0])
        target = f"ALTER ROLE CURRENT_USER IN DATABASE {database}"
        for name, value in role_settings().items():
            if value is None:
                sql = f"{target} RESET {name}"
            else:
                sql = ops.compose_sql(f"{target} SET {name} = %s", [str(value)])
            cursor.execute(sql)
            run.append(sql)
    return run


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (boxerconnect's app config only: once per `migrate`)."""
    apply_role_settings(using)
