"""Generation-stamped read models: whole API representations, cached with the guarantees of
the permission facts (permissions/cache.py), so a warm read of a hot endpoint spends no SQL.

Two read models, keyed in permissions/cache.py (with every other cache key):
  profile     the body of GET /api/v1/boxers/{id}/ (served after its permission check),
              stamped [nonce, the boxer's profile generation, the clubs generation]. The
              clubs generation is bumped after any club write commits, so a profile read
              before that commit is dead, whatever club its boxer had joined meanwhile.
  directory   one page of GET /api/v1/boxers/ (public, the same for every caller), by its
              absolute URI (its `next`/`previous` links are absolute), stamped [nonce, the
              directory generation], which every boxer, club or user is_active write bumps.

The nonce is the permission cache's own (`perm:nonce`), so a Redis flush or restart,
`permissions_cache rotate`, and the rotation a process owes after cache trouble invalidate
read models as well. A lookup is ONE round trip (nonce, generations, entry), or none of its
own when the keys were read along with the request's facts (`FactStore.read_along`). A miss
computes from PostgreSQL and stores the value stamped with the generations seen at lookup
time, so a reader that raced a write stores under a dead generation (a miss later, never
stale data). Bumps run in `transaction.on_commit`, before the response is sent: the next
request after a write reads the new state, on every worker and host. With Redis
unreachable, reads go to PostgreSQL (the breaker of `boxerconnect.breaker` decides). TTL
(`PERMISSION_CACHE_TTL`) bounds memory only. Writes are wired in boxers/signals.py.

Disabled by `READ_MODEL_CACHE=false` (the default when the cache is in-process: management
commands run beside the server would not share it, and their writes would be missed).
"""

import json
from collections.abc import Callable, Iterable
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
    return perm_cache.profile_key(boxer_id), (perm_cache.profile_gen_key(boxer_id), perm_cache.CLUBS_GEN_KEY)


def _directory_stamp(uri: str) -> tuple[str, tuple[str, ...]]:
    return perm_cache.directory_page_key(uri), (perm_cache.DIRECTORY_GEN_KEY,)


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
    *, profiles: Iterable[UUID | str | None] = (), clubs: bool = False, directory: bool = False
) -> None:
    """Bump the named read models' generations when the current transaction commits."""
    keys = sorted({perm_cache.profile_gen_key(b) for b in profiles if b is not None})
    if clubs:
        keys.append(perm_cache.CLUBS_GEN_KEY)
    if directory:
        keys.append(perm_cache.DIRECTORY_GEN_KEY)
    if keys:  # even when disabled here: another process sharing the cache may read them
        transaction.on_commit(lambda: perm_cache.bump_now(keys))
