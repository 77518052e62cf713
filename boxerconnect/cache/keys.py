"""Every cache key of the service: one builder per key family, its TTL, and what bumps it.

No other module formats a cache key. Ids are parsed as UUIDs and rendered as 32 hex digits,
so every spelling of an id is one key, a non-id is rejected, and no two subjects share a key.
This module imports no domain app (it knows families by name only); Django's cache adds its
own prefix (`CACHE_KEY_PREFIX`, version) to every key below except `ADOPTED_KEY`.

What invalidates what (a bump = a fresh random token in a generation key, sent in one round
trip when the writing transaction commits; see stamped.py):

  perm:nonce                    no TTL. Rotated by `stamped.rotate()`: `permissions_cache
                                rotate`, a process after cache trouble, the first connection
                                to a Redis instance not yet adopted.
  perm:g:<family>:<ids>         generation_ttl(). Bumped by committed writes of the family's
                                sources (the `sources` column of permissions.facts.FAMILIES).
  perm:f:<family>:<ids>         entry_ttl(). {"s": [nonce, generation], "v": fact or null}.
  read:g:profile:<boxer>        generation_ttl(). Bumped by any committed write of the boxer
                                row (save, delete, record recomputation).
  read:g:clubs                  generation_ttl(). Bumped by any committed write of an existing
                                club (save, delete, import_clubs).
  read:g:directory              generation_ttl(). Bumped by any committed write of a boxer or
                                of an existing club, and by a user's is_active.
  read:f:profile.v2:<boxer>     entry_ttl(). {"s": [nonce, profile gen, clubs gen], "v": the
                                public body and what callers allowed more may add to it}.
  read:f:directory.v2:<sha256>  entry_ttl(). {"s": [nonce, directory gen], "v": one non-empty
                                page}, by origin, day and canonical query (never the raw URI).
  throttle_<scope>_<ident>      the rate's window. A hit counter (boxerconnect/throttling.py).
  boxerconnect:adopted-run-id   no TTL, no prefix. The run id of the Redis instance whose
                                contents were vetted (events.py).
  boxerconnect:server-id        no TTL, no prefix. Where INFO is refused: the identity this
                                deployment gave the Redis instance (events.py).
  perm:ping                     never stored. The breaker's probe on a cache that is not Redis.

Read models are declared with their writes in the app whose bodies they are
(boxers/readmodels.py); fact families in permissions/facts.py.
"""

import hashlib
import json
from functools import lru_cache
from uuid import UUID

from django.conf import settings

NONCE_KEY = "perm:nonce"
# A plain Redis key (no Django prefix), read and written on raw connections during the
# handshake (events.py), before Django's cache is involved.
ADOPTED_KEY = "boxerconnect:adopted-run-id"
# The server's identity when INFO is refused (renamed, or an ACL user without it): events.py.
SERVER_ID_KEY = "boxerconnect:server-id"
PING_KEY = "perm:ping"
CLUBS_GEN_KEY = "read:g:clubs"
DIRECTORY_GEN_KEY = "read:g:directory"


def entry_ttl() -> int:
    """Seconds a stamped entry (fact or read model) lives: bounds memory, never correctness."""
    ttl: int = settings.PERMISSION_CACHE_TTL
    return ttl


def generation_ttl() -> int:
    """Generations outlive the entries stamped with them; an evicted generation is a miss."""
    return max(entry_ttl() * 12, 86400)


@lru_cache(maxsize=65536)
def hex_id(value: UUID | str) -> str:
    """The key form of an id (raises ValueError for anything that is not a UUID)."""
    return UUID(str(value)).hex


def nonce_key() -> str:
    """The namespace nonce folded into every stamp."""
    return NONCE_KEY


def fact_key(family: str, ids: tuple[str, ...]) -> str:
    """The cached fact of one subject of `family` (e.g. `perm:f:link:<coach>:<boxer>`)."""
    return f"perm:f:{family}:" + ":".join(hex_id(i) for i in ids)


def fact_generation_key(family: str, ids: tuple[str, ...]) -> str:
    """The generation of one subject of `family`: bumped by the family's sources."""
    return f"perm:g:{family}:" + ":".join(hex_id(i) for i in ids)


def profile_key(boxer_id: UUID | str) -> str:
    """The body of GET /api/v1/boxers/{id}/, stamped [nonce, profile gen, clubs gen].

    v2: the value holds the public body and the parts only some callers see (an unpublished
    club); v1 entries were one body and must never be read as this shape.
    """
    return f"read:f:profile.v2:{hex_id(boxer_id)}"


def profile_generation_key(boxer_id: UUID | str) -> str:
    """Bumped by every committed write of the boxer row."""
    return f"read:g:profile:{hex_id(boxer_id)}"


def clubs_generation_key() -> str:
    """Club names shown in profiles: bumped by every committed write of an existing club."""
    return CLUBS_GEN_KEY


def directory_generation_key() -> str:
    """Every directory page: bumped by writes of boxers, existing clubs and users' is_active."""
    return DIRECTORY_GEN_KEY


def directory_page_key(origin: str, day: str, query: str) -> str:
    """One page of GET /api/v1/boxers/: by the origin its links name (`scheme://host`), the
    day its age groups were computed on and its canonical query string (boxers/filters.py,
    `DirectoryQuery`), hashed. Never the raw URI: unknown parameters, their order or a
    default spelled out would each make a new entry."""
    canonical = json.dumps([origin, day, query])  # unambiguous whatever the parts hold
    return f"read:f:directory.v2:{hashlib.sha256(canonical.encode()).hexdigest()}"


def throttle_key(scope: str, ident: str) -> str:
    """A throttle's hit counter for one client (DRF's key shape, so its throttles agree)."""
    return f"throttle_{scope}_{ident}"
