"""Read models of boxer bodies: whole API representations cached on the stamped protocol of
boxerconnect/cache/stamped.py, so a warm read of a hot endpoint spends no SQL.

  profile     what GET /api/v1/boxers/{id}/ serves (after its permission check): the public
              body and an unpublished club (boxers/serializers.py, `profile_entry`), the
              same for every caller; the view adds per caller what that caller may see
              (age group of the day, date of birth, the unpublished club). Stamped [nonce,
              the boxer's profile generation, the clubs generation]. The clubs generation
              is bumped after any club write commits, so a profile read before that commit
              is dead, whatever club its boxer had joined meanwhile.
  directory   one non-empty page of GET /api/v1/boxers/ (public, the same for every
              caller), keyed by its origin, the day and its canonical query
              (`directory_page_key`), stamped [nonce, the directory generation, the
              generation of the page's cell]. Club and user is_active writes bump the
              directory generation (every page); a boxer write bumps only the cells its
              listed state was in before the write and is in after it ("Directory cells").

Directory cells. A page can only show, or count, profiles that match its filters, so a
boxer write needs to void only the pages whose filters its old or its new state matches.
The facets a page's filters may restrict are, by selectivity: `club`, `city` (a contains
filter: its cell is the query's first trigram, which every matching city contains),
`experience_level`, `gender`. A page's cell is the one or two most selective facets its
filters restrict (no facet: the cell "", every listed profile); a listed boxer is in the
cell "" and in every cell of one or two of its facets' values (its club, each trigram of its
city, its level, its gender). A write bumps every cell of its row's listed state before and
after (the stored row is read first when the write may move it: `subject_fields`): 23
keys for a boxer in a London club, 75 in Newcastle upon Tyne, in the one round trip a
transaction's bumps take on commit. Other filters
(`search`, weights, `country`, `is_verified`) do not narrow the cell: such a page is voided
like the page of its facets without them.

What a flood cannot do: a page is keyed on the validated, canonical parameters (unknown
ones, their order and spelled-out defaults change nothing), only for a Host named as written
in ALLOWED_HOSTS (alone or with this server's port), and an empty page (a club or a search
that matches nothing) is never stored; a profile is looked up only once its permission
check found the boxer.

Keys and what bumps them: boxerconnect/cache/keys.py; the writes are watched below
(`WATCHES`, registered by BoxersConfig.ready()), whatever path makes them. A lookup is one
round trip, or none of its own when the keys were read along with the request's facts
(`permissions.checker.prime` reads `*_lookup_keys` through the view's `read_model_keys`).

Disabled by `READ_MODEL_CACHE=false` (the default when the cache is in-process: management
commands run beside the server would not share it, and their writes would be missed).
"""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from django.conf import settings

from accounts.models import User
from boxerconnect.api.readmodels import enabled, read_through
from boxerconnect.cache import keys as K
from boxerconnect.cache import watch
from boxers.filters import DirectoryQuery
from boxers.models import Boxer
from clubs.models import Club
from permissions.store import FactStore


def _profile_stamp(boxer_id: UUID | str) -> tuple[str, tuple[str, ...]]:
    return K.profile_key(boxer_id), (K.profile_generation_key(boxer_id), K.clubs_generation_key())


def profile_lookup_keys(boxer_id: UUID | str) -> list[str]:
    """The keys a profile lookup reads (for `FactStore.read_along`); none when disabled."""
    if not enabled():
        return []
    key, gen_keys = _profile_stamp(boxer_id)
    return [*gen_keys, key]


def _listed_host(host: str, server_port: str) -> bool:
    """Is `host` (the Host header Django validated) one of ALLOWED_HOSTS as written, alone or
    with the port this server listens on? Django accepts any port and any letter case of an
    allowed name, and a page's links name the host, so each spelling would be a page of its
    own: only these (at most two per listed name) are cached."""
    allowed = settings.ALLOWED_HOSTS
    if host in allowed:
        return True
    name, _, port = host.rpartition(":")
    return not host.endswith("]") and port == server_port and name in allowed


def directory_page_key(request: Any, query: DirectoryQuery | None, day: date) -> str | None:
    """The key of the directory page `request` asks for, or None when that page is not cached:
    the read models are off, its parameters are invalid (`query` None: the request answers
    400 or 404), or its Host is not a listed spelling (`_listed_host`)."""
    if not enabled() or query is None:
        return None
    host = request.get_host()
    if not _listed_host(host, str(request.META.get("SERVER_PORT", ""))):
        return None
    return K.directory_page_key(f"{request.scheme}://{host}", day.isoformat(), query.query_string())


# --- Directory cells (see the module's docstring) --------------------------------------------

# The facets in the order a page picks them (the most selective first).
FACETS = ("club", "city", "experience_level", "gender")
CELL_FACETS = 2  # a page's cell names at most this many facets


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _city_tokens(city: str) -> set[str]:
    """The trigrams of a city as PostgreSQL's UPPER() may read it: Python's full case
    mapping and the per-character one (PostgreSQL maps a character to one character), so
    every ASCII query the city contains, in any case, has its first trigram here."""
    full = city.upper()
    simple = "".join(c.upper() if len(c.upper()) == 1 else c for c in city)
    return _trigrams(full) | _trigrams(simple)


def _boxer_tokens(boxer: Boxer) -> dict[str, set[str]]:
    return {
        "club": {UUID(str(boxer.club_id)).hex} if boxer.club_id else set(),
        "city": _city_tokens(boxer.city or ""),
        "experience_level": {boxer.experience_level} if boxer.experience_level else set(),
        "gender": {boxer.gender} if boxer.gender else set(),
    }


def _cell(parts: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{facet}={token}" for facet, token in parts)


def boxer_cells(boxer: Boxer) -> set[str]:
    """The cells whose pages may show this state of `boxer`: none unless it is listed (its
    user's is_active aside: a user write bumps every page)."""
    if not (boxer.is_active and boxer.is_searchable):
        return set()
    tokens = _boxer_tokens(boxer)
    cells = {""}
    for i, first in enumerate(FACETS):
        for a in tokens[first]:
            cells.add(_cell([(first, a)]))
            for second in FACETS[i + 1 :]:
                cells.update(_cell([(first, a), (second, b)]) for b in tokens[second])
    return cells


def _query_token(facet: str, value: str) -> str | None:
    if facet == "club":
        return UUID(value).hex
    if facet == "city":
        # Only an ASCII query of 3 letters or more has a trigram every match contains
        # (case mappings beyond ASCII differ between Python and the database).
        return value.upper()[:3] if value.isascii() and len(value) >= 3 else None
    return value


def directory_cell(query: DirectoryQuery) -> str:
    """The cell of a directory query: its one or two most selective facets."""
    values = dict(query.filters)
    parts = []
    for facet in FACETS:
        token = _query_token(facet, values[facet]) if facet in values else None
        if token is not None:
            parts.append((facet, token))
    return _cell(parts[:CELL_FACETS])


def directory_generation_keys(query: DirectoryQuery) -> tuple[str, str]:
    """What a page of `query` is stamped with: every page's generation and its cell's."""
    return (K.directory_generation_key(), K.directory_cell_generation_key(directory_cell(query)))


def directory_lookup_keys(key: str | None, gen_keys: tuple[str, ...] = ()) -> list[str]:
    """The keys a directory page lookup reads (for `FactStore.read_along`)."""
    return [] if key is None else [*gen_keys, key]


def profile(boxer_id: UUID | str, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """The profile entry of one boxer (`compute` builds it): stamped with the boxer's and the
    club names' generations. Look it up only once the boxer is known to exist (after the
    view's permission check), or a flood of random ids would each leave an entry."""
    key, gen_keys = _profile_stamp(boxer_id)
    return read_through("profile", key, gen_keys, compute, store)


# --- The caller's own profile (GET /api/v1/boxers/me/) ---------------------------------------
#
# No key of its own: the caller's user fact names its profile (`UserFact.boxer_id`, bumped by
# the creation and deletion of a boxer row and by a change of its user), the boxer's fact
# gives the date of birth, and the profile read model above the body. The one round trip
# that authenticates the request can only read them if the profile's id is known before it:
# this process remembers, per user, the profile the last user fact named, and reads that
# profile's keys along. It is a guess, checked against the user fact read in that same trip;
# when wrong (the profile was created or deleted meanwhile, or this process never served the
# user), the view reads the right keys in one more trip. Freshness never rests on it.

_own_profiles: dict[str, str | None] = {}
_OWN_PROFILES_MAX = 10_000  # bounded by a clear when full, like the facts' memo


def own_profile_guess(user_id: UUID | str) -> str | None:
    """The profile this process last saw `user_id` own (None: none, or never seen)."""
    return _own_profiles.get(str(user_id))


def own_profile_seen(user_id: UUID | str, boxer_id: str | None) -> None:
    """Remember the profile a current user fact names, for the next request's guess."""
    if len(_own_profiles) >= _OWN_PROFILES_MAX:
        _own_profiles.clear()
    _own_profiles[str(user_id)] = boxer_id


def _has_results(page: Any) -> bool:
    return bool(page.get("results"))


def directory_page(
    key: str | None, gen_keys: tuple[str, ...], compute: Callable[[], Any], store: FactStore | None = None
) -> Any:
    """One page of GET /api/v1/boxers/ under `key` (`directory_page_key`; None: not cached),
    stamped with `gen_keys` (`directory_generation_keys`). An empty page is computed, never
    stored: anyone can ask for one that matches nothing."""
    if key is None:
        return compute()
    return read_through("directory", key, gen_keys, compute, store, _has_results)


def _boxer_keys(boxer: Boxer) -> list[str]:
    return [K.profile_generation_key(boxer.pk), *map(K.directory_cell_generation_key, boxer_cells(boxer))]


# A save writing one of these may move the row between cells: the stored row's cells are
# bumped too (watch.py reads it once before the save).
_CELL_FIELDS = frozenset({"club", "city", "experience_level", "gender", "is_active", "is_searchable"})


def _club_keys(club: Club) -> list[str]:
    # Its name may show in any profile (including one whose boxer joins it while this write
    # is open) and its boxers in the directory's filters.
    return [K.clubs_generation_key(), K.directory_generation_key()]


def _user_keys(user: User) -> list[str]:
    return [K.directory_generation_key()]  # only active users' profiles are listed


# Generations are bumped even with READ_MODEL_CACHE off here: another process sharing the
# cache may have it on.
WATCHES = (
    watch.Watch(Boxer, _boxer_keys, subject_fields=_CELL_FIELDS),
    watch.Watch(Club, _club_keys, on_create=False),  # a new club has no boxers yet
    watch.Watch(User, _user_keys, frozenset({"is_active"}), on_create=False),
)


def register() -> None:
    watch.register(*WATCHES)
