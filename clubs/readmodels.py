"""Read models of the club directory: whole API representations cached on the stamped
protocol of boxerconnect/cache/stamped.py, so a warm read spends no SQL.

  club      what GET /api/v1/clubs/{id}/ serves, contact fields included; the view strips
            them for a caller `club.view_contact` refuses (decided on the club's fact, read by
            the permission check in the request's one round trip). Stamped [nonce, the club's
            generation]. Looked up only once the permission check found the club.
  clubs     one non-empty page of GET /api/v1/clubs/ (published clubs, the same for every
            caller): the public page and, apart, each listed club's contact fields, which the
            view adds for a caller the same rule allows (`contact_policy`: its owner, an
            admin). Keyed by origin and canonical query (boxerconnect/api/canonical.py),
            stamped [nonce, the clubs directory generation].
  regions   GET /api/v1/clubs/regions/, stamped [nonce, the clubs directory generation].

What bumps them (boxerconnect/cache/keys.py; `WATCHES` below, whatever path writes): a
club's row (any field; its creation bumps the directory only), a boxer created in, deleted
from, joining or leaving a club or soft-deleted/restored (`member_count`), a club owner's
name change or deletion (the `owner` ref). Coach invitations and membership requests show in
none of these bodies; an approved request moves a boxer (a boxer write).

What a flood cannot do: a page is keyed on the validated, canonical parameters, only for a
listed Host spelling, and an empty page is never stored; a club is looked up only after its
permission check found it; the regions are one key.

Disabled with the boxer read models (`READ_MODEL_CACHE=false`).
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from accounts.models import User
from boxerconnect.api.canonical import CanonicalQuery, listed_host
from boxerconnect.api.readmodels import enabled, read_through
from boxerconnect.cache import keys as K
from boxerconnect.cache import watch
from boxers.models import Boxer
from clubs.models import Club
from permissions.store import FactStore

CONTACT = ("contact_name", "contact_email", "contact_phone")


# --- Club detail ---------------------------------------------------------------------------


def _club_stamp(club_id: UUID | str) -> tuple[str, tuple[str, ...]]:
    return K.club_key(club_id), (K.club_generation_key(club_id),)


def club_lookup_keys(club_id: UUID | str) -> list[str]:
    """The keys a club lookup reads (for `FactStore.read_along`); none when disabled."""
    if not enabled():
        return []
    key, gen_keys = _club_stamp(club_id)
    return [*gen_keys, key]


def club(club_id: UUID | str, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """The body of one club, contacts included (`compute` builds it). Only after the view's
    permission check found the club: random ids must leave nothing behind."""
    key, gen_keys = _club_stamp(club_id)
    return read_through("club", key, gen_keys, compute, store)


def without_contact(body: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in body.items() if name not in CONTACT}


# --- Directory pages ----------------------------------------------------------------------------


def page_key(request: Any, query: CanonicalQuery | None) -> str | None:
    """The key of the clubs page `request` asks for, or None when it is not cached (read
    models off, invalid parameters, a Host spelling that is not listed)."""
    if not enabled() or query is None:
        return None
    host = request.get_host()
    if not listed_host(host, str(request.META.get("SERVER_PORT", ""))):
        return None
    return K.club_directory_page_key(f"{request.scheme}://{host}", query.query_string())


def page_lookup_keys(key: str | None) -> list[str]:
    return [] if key is None else [K.club_directory_generation_key(), key]


def split_contacts(page: dict[str, Any]) -> dict[str, Any]:
    """A page with contacts → {"page": the public page, "contacts": {club id: contacts}}."""
    contacts = {item["id"]: {name: item[name] for name in CONTACT} for item in page["results"]}
    public = {**page, "results": [without_contact(item) for item in page["results"]]}
    return {"page": public, "contacts": contacts}


def _has_results(entry: Any) -> bool:
    return bool(entry["page"]["results"])


def page(key: str | None, compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    """{"page", "contacts"} of one clubs page under `key` (None: not cached); `compute`
    returns the page with every club's contacts. An empty page is never stored."""
    if key is None:
        return split_contacts(compute())
    return read_through(
        "clubs",
        key,
        (K.club_directory_generation_key(),),
        lambda: split_contacts(compute()),
        store,
        _has_results,
    )


# --- Regions ------------------------------------------------------------------------------------


def regions_lookup_keys() -> list[str]:
    return [K.club_directory_generation_key(), K.club_regions_key()] if enabled() else []


def regions(compute: Callable[[], Any], store: FactStore | None = None) -> Any:
    return read_through("regions", K.club_regions_key(), (K.club_directory_generation_key(),), compute, store)


# --- What bumps them ----------------------------------------------------------------------------


def _club_keys(club: Club) -> list[str]:
    return [K.club_generation_key(club.pk), K.club_directory_generation_key()]


def _member_keys(boxer: Boxer) -> list[str]:
    # member_count: a boxer in a club created, deleted, moved or (un)soft-deleted. The club
    # it leaves is bumped too (subject_fields: the stored row's keys).
    if boxer.club_id is None:
        return []
    return [K.club_generation_key(boxer.club_id), K.club_directory_generation_key()]


def _owner_keys(user: User) -> list[str]:
    # The `owner` ref of the clubs it owns (its name; null once it is deleted).
    owned = list(Club.objects.filter(owner_id=user.pk).values_list("pk", flat=True))
    if not owned:
        return []
    return [*(K.club_generation_key(pk) for pk in owned), K.club_directory_generation_key()]


# Bumped even with READ_MODEL_CACHE off here: another process sharing the cache may have it on.
WATCHES = (
    watch.Watch(Club, _club_keys),
    watch.Watch(Boxer, _member_keys, frozenset({"club", "is_active"}), subject_fields=frozenset({"club"})),
    watch.Watch(User, _owner_keys, frozenset({"name"}), on_create=False),
)


def register() -> None:
    watch.register(*WATCHES)
