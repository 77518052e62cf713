"""Every cache key of the service: one builder per key family, its TTL, and what bumps it.

No other module formats a cache key. Ids are parsed as UUIDs and rendered as 32 hex digits,
so every spelling of an id is one key, a non-id is rejected, and no two subjects share a key.
This module imports no domain app (it knows families by name only); Django's cache adds its
own prefix (`CACHE_KEY_PREFIX`, version) to every key below; `adopted_key` carries the same
prefix itself. Every key this service writes therefore starts with `<CACHE_KEY_PREFIX>:`, so
deployments sharing one Redis (staging and production) never read, rotate or vet each
other's keys (tests/boxerconnect/test_shared_redis.py).

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
  read:g:directory              generation_ttl(). Bumped by any committed write of an existing
                                club and by a user's is_active: every directory page.
  read:g:directory.cell:<hash>  generation_ttl(). One cell of the directory's facets (a club,
                                a trigram of a city, a level, a gender, or two of them; "" for
                                every listed profile): bumped by a committed write of a boxer
                                whose listed state, before or after, is in the cell
                                (boxers/readmodels.py, "Directory cells").
  read:f:profile.v2:<boxer>     entry_ttl(). {"s": [nonce, profile gen, clubs gen], "v": the
                                public body and what callers allowed more may add to it}.
  read:f:directory.v2:<sha256>  entry_ttl(). {"s": [nonce, directory gen, cell gen], "v": one non-empty
                                page}, by origin, day and canonical query (never the raw URI).
  read:g:club:<club>            generation_ttl(). Bumped by any committed write of the club row,
                                of a boxer joining, leaving, created in or deleted from it (or
                                soft-deleted/restored: its member_count), and by its owner's
                                name change or deletion (the owner ref it shows).
  read:g:clubdir                generation_ttl(). Bumped by everything that bumps a club's
                                generation, and by the creation of a club.
  read:f:club.v1:<club>         entry_ttl(). {"s": [nonce, club gen], "v": the body of GET
                                /api/v1/clubs/{id}/ with its contact fields (the view strips
                                them for whoever club.view_contact refuses)}.
  read:f:clubdir.v1:<sha256>    entry_ttl(). {"s": [nonce, clubdir gen], "v": one non-empty page
                                of GET /api/v1/clubs/ and its clubs' contacts}, by origin and
                                canonical query (never the raw URI).
  read:f:clubregions.v1         entry_ttl(). {"s": [nonce, clubdir gen], "v": the regions list}.
  read:g:account:<user>         generation_ttl(). Bumped by any committed write of a field the
                                caller's own account shows (email, name, role, is_active,
                                email_verified, email_notifications, created_at) and by the
                                user's deletion; not by a password, token_version or last_login.
  read:f:account.v1:<user>      entry_ttl(). {"s": [nonce, account gen], "v": the body of GET
                                /api/v1/auth/me/}. GET /api/v1/boxers/me/ has no key of its
                                own: the user fact names the profile (boxers/readmodels.py).
  read:g:sparring:<user>        generation_ttl(). The sparring request pages of one caller:
                                bumped, after commit, for every user who may act for a side of
                                a written request, of a boxer whose row or partners' rows
                                changed, and for a user whose acting-for set changed (its
                                boxer, links, clubs, role): boxers/sparring/readmodels.py.
  read:f:sparring.v1:<sha256>   entry_ttl(). {"s": [nonce, sparring gen], "v": {"page", "until"}}
                                one non-empty page, by caller, origin, day and canonical query.
  read:g:availability:<boxer>   generation_ttl(). Bumped by any committed write of the boxer's
                                slots (create, edit, delete, cascade).
  read:f:availability.v1:<sha>  entry_ttl(). {"s": [nonce, availability gen, clubs gen], "v":
                                {"page", "until"}}: the default window's page of a boxer's slots,
                                by origin and canonical page.
  read:g:notifications:<user>   generation_ttl(). Bumped by any committed write of a
                                notification of the user, and by the name change or deletion
                                of an actor of one (accounts/notification_readmodels.py).
  read:f:notifications.v1:<sha> entry_ttl(). {"s": [nonce, notifications gen], "v": one page},
                                by recipient, origin and canonical query.
  throttle_<scope>_<ident>      the rate's window. A hit counter (boxerconnect/throttling.py).
  <prefix>:adopted-run-id       no TTL, Django's version not included. The run id of the
                                Redis instance whose contents this deployment vetted
                                (events.py).
  <prefix>:server-id            no TTL, Django's version not included. Where INFO is refused:
                                the identity this deployment gave the Redis instance (events.py).
  perm:fence                    no TTL. Sentinel only: written on every other data node by the
                                process that vets a new primary (the address of the new one),
                                deleted from the new one. A process still connected to a former
                                primary reads it with every lookup and every bump, and moves to
                                the new primary before it trusts the cache (stamped.py).
  perm:ping                     never stored. The breaker's probe on a cache that is not Redis.

Read models are declared with their writes in the app whose bodies they are
(boxers/readmodels.py, clubs/readmodels.py); fact families in permissions/facts.py.
"""

import hashlib
import json
from functools import lru_cache
from uuid import UUID

from django.conf import settings

NONCE_KEY = "perm:nonce"
ADOPTED_KEY = "adopted-run-id"
# The server's identity when INFO is refused (renamed, or an ACL user without it): events.py.
SERVER_ID_KEY = "server-id"
PING_KEY = "perm:ping"
FENCE_KEY = "perm:fence"
CLUBS_GEN_KEY = "read:g:clubs"
DIRECTORY_GEN_KEY = "read:g:directory"
CLUB_DIRECTORY_GEN_KEY = "read:g:clubdir"
CLUB_REGIONS_KEY = "read:f:clubregions.v1"


def adopted_key(key_prefix: str) -> str:
    """The Redis key (already prefixed) read and written on raw connections during the
    handshake (events.py), before Django's cache is involved."""
    return f"{key_prefix}:{ADOPTED_KEY}"


def server_id_key(key_prefix: str) -> str:
    """The server's identity key (already prefixed) where INFO is refused (events.py)."""
    return f"{key_prefix}:{SERVER_ID_KEY}"


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
    """Every directory page: bumped by writes of existing clubs and users' is_active."""
    return DIRECTORY_GEN_KEY


@lru_cache(maxsize=65536)
def directory_cell_generation_key(cell: str) -> str:
    """The pages of one directory cell (boxers/readmodels.py): bumped by writes of the boxers
    in it. Hashed: a cell names a city's letters."""
    return f"read:g:directory.cell:{hashlib.sha256(cell.encode()).hexdigest()[:32]}"


def directory_page_key(origin: str, day: str, query: str) -> str:
    """One page of GET /api/v1/boxers/: by the origin its links name (`scheme://host`), the
    day its age groups were computed on and its canonical query string (boxers/filters.py,
    `DirectoryQuery`), hashed. Never the raw URI: unknown parameters, their order or a
    default spelled out would each make a new entry."""
    canonical = json.dumps([origin, day, query])  # unambiguous whatever the parts hold
    return f"read:f:directory.v2:{hashlib.sha256(canonical.encode()).hexdigest()}"


def club_key(club_id: UUID | str) -> str:
    """The body of GET /api/v1/clubs/{id}/ (contacts included), stamped [nonce, club gen]."""
    return f"read:f:club.v1:{hex_id(club_id)}"


def club_generation_key(club_id: UUID | str) -> str:
    """Bumped by writes of the club row, of its members' club/is_active and its owner's name."""
    return f"read:g:club:{hex_id(club_id)}"


def club_directory_generation_key() -> str:
    """Every clubs directory page and the regions: what bumps a club's generation, and creates."""
    return CLUB_DIRECTORY_GEN_KEY


def club_regions_key() -> str:
    """The regions of published clubs (GET /api/v1/clubs/regions/), stamped [nonce, clubdir gen]."""
    return CLUB_REGIONS_KEY


def club_directory_page_key(origin: str, query: str) -> str:
    """One page of GET /api/v1/clubs/ by the origin its links name and its canonical query
    string (boxerconnect/api/canonical.py), hashed: never the raw URI."""
    canonical = json.dumps([origin, query])
    return f"read:f:clubdir.v1:{hashlib.sha256(canonical.encode()).hexdigest()}"


# --- The caller's own account (accounts/readmodels.py) ----------------------------------------


def account_key(user_id: UUID | str) -> str:
    """The body of GET /api/v1/auth/me/ for one user, stamped [nonce, account gen]."""
    return f"read:f:account.v1:{hex_id(user_id)}"


def account_generation_key(user_id: UUID | str) -> str:
    """Bumped by every committed write of a field the own account shows, and its deletion."""
    return f"read:g:account:{hex_id(user_id)}"


def throttle_key(scope: str, ident: str) -> str:
    """A throttle's hit counter for one client (DRF's key shape, so its throttles agree)."""
    return f"throttle_{scope}_{ident}"


# --- Sparring lists and notifications (boxers/sparring/readmodels.py,
# accounts/notification_readmodels.py) ----------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def sparring_generation_key(user_id: UUID | str) -> str:
    """The sparring request pages of one caller: bumped after commit for everyone who may act
    for a side of what a write changed (boxers/sparring/readmodels.py)."""
    return f"read:g:sparring:{hex_id(user_id)}"


def sparring_page_key(user_id: UUID | str, origin: str, day: str, query: str) -> str:
    """One page of GET /api/v1/sparring-requests/ for one caller, by the origin its links
    name, the day its acting-for set was computed on and its canonical query, hashed."""
    return f"read:f:sparring.v1:{_digest(hex_id(user_id), origin, day, query)}"


def availability_generation_key(boxer_id: UUID | str) -> str:
    """A boxer's slots: bumped by every committed write of one of them."""
    return f"read:g:availability:{hex_id(boxer_id)}"


def availability_page_key(boxer_id: UUID | str, origin: str, query: str) -> str:
    """One page of a boxer's slots in the default window (GET /api/v1/boxers/{id}/availability/
    without from/to), by origin and canonical page, hashed."""
    return f"read:f:availability.v1:{_digest(hex_id(boxer_id), origin, query)}"


def notifications_generation_key(user_id: UUID | str) -> str:
    """One recipient's notifications: bumped by their writes and their actors' renames."""
    return f"read:g:notifications:{hex_id(user_id)}"


def notifications_page_key(user_id: UUID | str, origin: str, query: str) -> str:
    """One page of GET /api/v1/notifications/ for one recipient, by origin and canonical
    query, hashed."""
    return f"read:f:notifications.v1:{_digest(hex_id(user_id), origin, query)}"
