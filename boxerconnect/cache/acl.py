"""The Redis ACL user the app needs, in one place: every command it sends and every key it
touches. docs/operations.md prints `setuser_line()` for the default prefix (a test compares
the two), `manage.py redis_acl` prints it for this deployment's CACHE_KEY_PREFIX, and the
tests run the live app, its job worker and its management commands as a user with exactly
these rules while the server's ACL LOG stays empty.
"""

import re

from django.conf import settings

from boxerconnect.cache import keys

USERNAME = "boxerconnect"
PASSWORD_PLACEHOLDER = "PASSWORD"  # noqa: S105  (the word an operator replaces)

# Every command the app sends to Redis, and what sends it. A command added to the code
# belongs here too, or the ACL test (tests/e2e/test_redis_restricted.py) finds it refused.
COMMANDS: dict[str, str] = {
    "get": "server vetting reads the adopted identity (events.py)",
    "mget": "the request's one read of nonce, generations and entries (fastpath.py, get_many)",
    "set": "entries, generations, the nonce (SET PX, SET NX PX), throttle windows (SET NX EX)",
    "del": "a bump or rotation Redis refused to write (out of memory under noeviction) is "
    "delivered as a deletion (stamped.py); a server's vetting drops a Sentinel fence it may "
    "hold (stamped.rotate_on_connection)",
    "incr": "throttle counters sent with the request's MGET (fastpath.py)",
    "incrby": "throttle counters (guarded.count_hit: redis-py sends INCR as INCRBY)",
    "ttl": "the seconds left in a throttle window (Retry-After)",
    "multi": "set_many and add_many are one MULTI/EXEC pipeline (django-redis, guarded.add_many)",
    "exec": "(with multi)",
    "ping": "/health, `manage.py healthcheck`, redis-py's check of a connection idle for 30 s",
    "select": "a database other than 0 in REDIS_URL (`/1`)",
    "info": "the server's run id when a connection opens (events.py), `permissions_cache stats`; "
    "optional: without it servers are vetted by the identity key and stats omit server figures",
    "scan": "key counts of `permissions_cache stats` (an admin command, never a request); "
    "optional: without it stats omit the key counts",
}


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def key_patterns(prefix: str | None = None) -> list[str]:
    """The key patterns the user needs: the cache's prefix, plus the raw keys outside it."""
    if prefix is None:
        prefix = settings.CACHES["guarded"].get("KEY_PREFIX", "")
    start = f"{prefix}:"  # Django's keys are `<prefix>:<version>:<key>`
    patterns = [_glob_escape(start) + "*"]
    raw = (keys.adopted_key(prefix), keys.server_id_key(prefix))  # the keys outside Django's cache
    patterns += [_glob_escape(key) for key in raw if not key.startswith(start)]
    return patterns


def rules(prefix: str | None = None) -> list[str]:
    """The ACL rules after `ACL SETUSER <user>` (password placeholder included)."""
    return [
        "reset",
        "on",
        f">{PASSWORD_PLACEHOLDER}",
        "resetchannels",
        *(f"~{pattern}" for pattern in key_patterns(prefix)),
        *(f"+{command}" for command in COMMANDS),
    ]


def setuser_line(prefix: str | None = None, username: str = USERNAME) -> str:
    """`ACL SETUSER boxerconnect reset on >PASSWORD resetchannels ~bc:* ... +get ...`."""
    return " ".join(["ACL", "SETUSER", username, *rules(prefix)])
