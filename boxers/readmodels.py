"""Read models of boxer bodies: whole API representations cached on the stamped protocol of
boxerconnect/cache/stamped.py, so a warm read of a hot endpoint spends no SQL.

  profile     the body of GET /api/v1/boxers/{id}/ (served after its permission check),
              stamped [nonce, the boxer's profile generation, the clubs generation]. The
              clubs generation is bumped after any club write commits, so a profile read
              before that commit is dead, whatever club its boxer had joined meanwhile.
  directory   one page of GET /api/v1/boxers/ (public, the same for every caller), by its
              absolute URI (its `next`/`previous` links are absolute), stamped [nonce, the
              directory generation], which every boxer, club or user is_active write bumps.

Keys and what bumps them: boxerconnect/cache/keys.py; the writes are watched below
(`WATCHES`, registered by BoxersConfig.ready()), whatever path makes them. A lookup is one
round trip, or none of its own when the keys were read along with the request's facts
(`permissions.checker.prime` reads `lookup_keys` through the view's `read_model_keys`).

Disabled by `READ_MODEL_CACHE=false` (the default when the cache is in-process: management
commands run beside the server would not share it, and their writes would be missed).
"""

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import User
from boxerconnect import metrics
from boxerconnect.cache import keys as K
from boxerconnect.cache import stamped, watch
from boxers.models import Boxer
from clubs.models import Club
from permissions.store import FactStore

_EVENTS = {
    model: {event: metrics.READ_CACHE_EVENTS.labels(model, event) for event in metrics.EVENTS}
    for model in ("profile", "directory")
}


def enabled() -> bool:
    value: bool = settings.READ_MODEL_CACHE
    return value


def _profile_stamp(boxer_id: UUID | str) -> tuple[str, tuple[str, ...]]:
    return K.profile_key(boxer_id), (K.profile_generation_key(boxer_id), K.clubs_generation_key())


def _directory_stamp(uri: str) -> tuple[str, tuple[str, ...]]:
    return K.directory_page_key(uri), (K.directory_generation_key(),)


def lookup_keys(model: str, ident: UUID | str) -> list[str]:
    """The keys a lookup of `model` reads (for `FactStore.read_along`); none when disabled."""
    if not enabled():
        return []
    key, gen_keys = _profile_stamp(ident) if model == "profile" else _directory_stamp(str(ident))
    return [*gen_keys, key]


def read_through(
    model: str,
    key: str,
    gen_keys: tuple[str, ...],
    compute: Callable[[], Any],
    store: FactStore | None = None,
) -> Any:
    """The value of read model `model` under `key`, stamped with `gen_keys` (stamped.py), or
    `compute()`'s (stored). Counts the hit, miss or bypass in `read_cache_events_total`."""
    if not enabled():
        return compute()
    raw = store.take_raw([K.NONCE_KEY, *gen_keys, key]) if store is not None else None

    def rendered() -> Any:
        # As the API renders it (Decimal, dates, UUIDs...), so a hit renders the same bytes.
        return orjson.loads(json.dumps(compute(), cls=JSONEncoder))

    value, event = stamped.read_through(key, gen_keys, rendered, raw)
    _EVENTS[model][event].inc()
    return value


def profile(boxer_id: UUID | str, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """GET /api/v1/boxers/{id}/'s body: stamped with the boxer's and the club names' generations."""
    key, gen_keys = _profile_stamp(boxer_id)
    return read_through("profile", key, gen_keys, compute, store)


def directory_page(uri: str, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """One page of GET /api/v1/boxers/, by its absolute URI."""
    key, gen_keys = _directory_stamp(uri)
    return read_through("directory", key, gen_keys, compute, store)


def _boxer_keys(boxer: Boxer) -> list[str]:
    return [K.profile_generation_key(boxer.pk), K.directory_generation_key()]


def _club_keys(club: Club) -> list[str]:
    # Its name may show in any profile (including one whose boxer joins it while this write
    # is open) and its boxers in the directory's filters.
    return [K.clubs_generation_key(), K.directory_generation_key()]


def _user_keys(user: User) -> list[str]:
    return [K.directory_generation_key()]  # only active users' profiles are listed


# Generations are bumped even with READ_MODEL_CACHE off here: another process sharing the
# cache may have it on.
WATCHES = (
    watch.Watch(Boxer, _boxer_keys),
    watch.Watch(Club, _club_keys, on_create=False),  # a new club has no boxers yet
    watch.Watch(User, _user_keys, frozenset({"is_active"}), on_create=False),
)


def register() -> None:
    watch.register(*WATCHES)
