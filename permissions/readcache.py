"""Generation-stamped read models: whole API representations, cached with the guarantees of
the permission facts (permissions/cache.py), so a warm read of a hot endpoint spends no SQL.

Keys (all built here; ids are UUIDs rendered as 32 hex digits, pages are named by the
SHA-256 of their URI, so every family's keys are fixed-shape and distinct facts never share
a key):

  read:g:profile:<boxer>      generation of one boxer's representation (the profile and its
                              record). Bumped on every committed save or delete of the boxer
                              row and on a record recomputation.
  read:g:clubs                generation of the club names shown in every profile. Bumped on
                              every committed save or delete of any club (and by
                              import_clubs): after the write commits, so no profile read
                              before it, whatever club it was in by then, survives it.
  read:f:profile:<boxer>      {"s": [nonce, profile generation, clubs generation],
                              "v": the representation}.
  read:g:directory            generation of the public boxer directory, all pages at once.
                              Bumped on every committed save or delete of any boxer or club,
                              on a record recomputation, and when a user's is_active changes.
  read:f:directory:<sha256>   {"s": [nonce, generation], "v": one page's body}, by the
                              request's absolute URI (host, path and query: the page's
                              `next`/`previous` links are absolute).

The nonce is the permission cache's own (`perm:nonce`), so a Redis flush or restart,
`permissions_cache rotate`, and the rotation a process owes after cache trouble invalidate
read models as well. A lookup is ONE round trip (nonce, generations, entry); a miss computes
from PostgreSQL and stores the value stamped with the generations seen at lookup time, so a
reader that raced a write stores under a dead generation (a miss later, never stale data).
Bumps run in `transaction.on_commit`, before the response is sent: the next request after a
write reads the new state, on every worker and host. With Redis unreachable, reads go to
PostgreSQL (the breaker of `boxerconnect.breaker` decides). TTL (`PERMISSION_CACHE_TTL`)
bounds memory only.

Disabled by `READ_MODEL_CACHE=false` (the default when no REDIS_URL is set: an in-process
cache is not shared with management commands, whose writes it would miss).
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.db import transaction
from rest_framework.utils.encoders import JSONEncoder

from boxerconnect import metrics
from permissions import cache as perm_cache

_EVENTS = {
    model: {event: metrics.READ_CACHE_EVENTS.labels(model, event) for event in metrics.EVENTS}
    for model in metrics.READ_MODELS
}


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


def profile_gen_key(boxer_id: UUID | str) -> str:
    return f"read:g:profile:{_hex(boxer_id)}"


def profile_key(boxer_id: UUID | str) -> str:
    return f"read:f:profile:{_hex(boxer_id)}"


CLUBS_GEN_KEY = "read:g:clubs"
DIRECTORY_GEN_KEY = "read:g:directory"


def directory_page_key(uri: str) -> str:
    return f"read:f:directory:{hashlib.sha256(uri.encode()).hexdigest()}"


def enabled() -> bool:
    return settings.READ_MODEL_CACHE


def read_through(
    model: str,
    key: str,
    gen_keys: tuple[str, ...],
    compute: Callable[[], Any],
    store: perm_cache.FactStore | None = None,
) -> Any:
    """The value cached under `key` if its stamp (the nonce and every generation in
    `gen_keys`) is current, else `compute()` (stored).

    One round trip for the lookup, or none when `store` already read the keys along with
    the request's facts (`lookup_keys` + `FactStore.read_along`). `compute` returns
    JSON-serialisable data; an exception from it propagates and nothing is stored (a 404 or
    a 400 is never cached).
    """
    events = _EVENTS[model]
    if not enabled():
        return compute()
    keys = [perm_cache.NONCE_KEY, *gen_keys, key]
    # Read along with the facts, unless there was no nonce then: the facts' miss has just
    # created one, which this lookup must see to store anything.
    if store is not None and key in store.raw and store.raw[perm_cache.NONCE_KEY] is not None:
        raw = [store.raw[k] for k in keys]
        del store.raw[key]  # used once: a later lookup of it in this request asks Redis
    else:
        raw = perm_cache.read_stamped(keys)
    if raw is None:
        events["bypass"].inc()
        return compute()
    nonce, *gens, entry = (None if value is None else orjson.loads(value) for value in raw)
    if nonce and all(gens) and isinstance(entry, dict) and entry.get("s") == [nonce, *gens]:
        events["hit"].inc()
        return entry["v"]
    # As the API renders it (Decimal, dates, UUIDs...), so a hit renders the same bytes.
    value = orjson.loads(json.dumps(compute(), cls=JSONEncoder))
    events["miss"].inc()
    perm_cache.store_stamped(nonce, [(gen_keys, tuple(gens), key, value)])
    return value


def _profile_stamp(boxer_id: UUID | str) -> tuple[str, tuple[str, ...]]:
    return profile_key(boxer_id), (profile_gen_key(boxer_id), CLUBS_GEN_KEY)


def _directory_stamp(uri: str) -> tuple[str, tuple[str, ...]]:
    return directory_page_key(uri), (DIRECTORY_GEN_KEY,)


def lookup_keys(model: str, ident: UUID | str) -> list[str]:
    """The keys a lookup of `model` reads (for `FactStore.read_along`); none when disabled."""
    if not enabled():
        return []
    key, gen_keys = _profile_stamp(ident) if model == "profile" else _directory_stamp(str(ident))
    return [*gen_keys, key]


def profile(boxer_id: UUID | str, compute: Callable[[], Any], store=None) -> Any:
    """GET /api/v1/boxers/{id}/'s body: stamped with the boxer's and the club names' generations."""
    key, gen_keys = _profile_stamp(boxer_id)
    return read_through("profile", key, gen_keys, compute, store)


def directory_page(uri: str, compute: Callable[[], Any], store=None) -> Any:
    """One page of GET /api/v1/boxers/, by its absolute URI."""
    key, gen_keys = _directory_stamp(uri)
    return read_through("directory", key, gen_keys, compute, store)


def invalidate(
    *, profiles: list[UUID | str | None] = (), clubs: bool = False, directory: bool = False
) -> None:
    """Bump the named read models' generations when the current transaction commits."""
    keys = sorted({profile_gen_key(b) for b in profiles if b is not None})
    if clubs:
        keys.append(CLUBS_GEN_KEY)
    if directory:
        keys.append(DIRECTORY_GEN_KEY)
    if keys:  # even when disabled here: another process sharing the cache may read them
        transaction.on_commit(lambda: perm_cache.bump_now(keys))
