"""Read models of the sparring lists: whole pages cached on the stamped protocol of
boxerconnect/cache/stamped.py, so a warm read spends no SQL and no round trip of its own.

  requests      one page of GET /api/v1/sparring-requests/ for one caller (the list is
                scoped by "acts for", so the body is per caller): keyed by the caller, the
                origin its links name, the day (who acts for a minor changes at its 18th
                birthday with no write) and the canonical query; stamped [nonce, the
                caller's sparring generation]. Stored with `until`, the earliest instant a
                pending request it could show expires (it then reads as expired with no
                write): from then on the entry is a miss.
  availability  one page of GET /api/v1/boxers/{id}/availability/ in the default window (now
                to 30 days; a request naming `from` or `to` is read from PostgreSQL), the same
                for every caller allowed to see it: each slot's club is stored with the facts
                `club.view` decides on, and the view shows it to the callers the rule allows.
                Keyed by boxer, origin and canonical page; stamped [nonce, the boxer's
                availability generation, the clubs generation]. Stored with `until`: the
                earliest end of a slot in the window or start of one after it, less 30 days
                (the window moves with the clock).

Who a sparring write concerns (`WATCHES`; bumps after commit, whatever path wrote). A
caller's page shows the requests of the boxers it acts for (`acting_for_ids`), with both
sides' names and compatibility, the venue's name and the names of who created and answered
them. Its generation is bumped for:

- a request written (created, answered, cancelled, completed, expired by the job or by an
  answer, deleted): everyone who may act for either side;
- a boxer written (any field: names, weights, record, date of birth, club, soft delete,
  owner): everyone who may act for it or for a boxer it has a request with;
- a coach link written (created, accepted, rights changed, revoked, deleted): its coach (only
  that coach's acting-for set changes);
- a club written (owner, name, deletion): its owner before and after, and everyone who may
  act for a side of a request at it (its name is the venue's);
- a user written (name, role, is_active, deletion): the user, and everyone who may act for
  a side of a request it created or answered (its name shows there).

"May act for" is over-approximated, so that it never misses anyone the exact rule
(`acting_users_scope`) names on any day: the boxer's own user whatever its age, every coach
with a link to it in any state, the owner of its club, every admin. It is read after the
commit (`stamped.bump_resolved`): it then sees a link or a club owner committed meanwhile by
another transaction, whose reader may have cached a page without this write; a relation
removed meanwhile was removed by a write that bumped its user itself; a relation this write
removes is named by the row as it was (`subject_fields`: the club a boxer left). A deletion
is read in the writing transaction too, before the rows it takes with it (a boxer's links)
are gone. Everything leaves in the transaction's one round trip, before the response.

Flood: keys are built from validated, canonical parameters (boxerconnect/api/canonical.py);
a request page filtered by `boxer` that is empty is never stored (any id can be asked for);
an availability page is looked up only after the caller's permission check found the boxer.

Disabled with the other read models (`READ_MODEL_CACHE=false`).
"""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

import django_filters
from django.db.models import Q

from accounts.models import Role, User
from boxerconnect.api.canonical import CanonicalQuery, listed_host
from boxerconnect.api.readmodels import enabled, read_through
from boxerconnect.cache import keys as K
from boxerconnect.cache import stamped, watch
from boxers.models import Availability, Boxer, CoachLink, SparringRequest, SparringStatus
from clubs.models import Club
from permissions.store import FactStore


class SparringRequestQuery(django_filters.FilterSet):
    """The canonical form of a request list's parameters (SparringRequestFilterSerializer
    validates them; this names each valid query once, for its key and its links)."""

    direction = django_filters.ChoiceFilter(choices=[("incoming", "incoming"), ("outgoing", "outgoing")])
    status = django_filters.ChoiceFilter(choices=SparringStatus.choices)
    boxer = django_filters.UUIDFilter()

    class Meta:
        model = SparringRequest
        fields: list[str] = []


class AvailabilityQuery(django_filters.FilterSet):
    """The canonical form of an availability page: its page and size (other parameters
    than `from` and `to` are not read; with those it is not cached)."""

    class Meta:
        model = Availability
        fields: list[str] = []


def _origin(request: Any) -> str | None:
    host = request.get_host()
    if not listed_host(host, str(request.META.get("SERVER_PORT", ""))):
        return None
    return f"{request.scheme}://{host}"


def lookup_keys(key: str | None, gen_keys: tuple[str, ...]) -> list[str]:
    """The keys a page lookup reads (for `FactStore.read_along`)."""
    return [] if key is None else [*gen_keys, key]


def _until(entry: Any) -> float | None:
    until: float | None = entry.get("until")
    return until


# --- Requests -------------------------------------------------------------------------------------


def request_page_key(
    request: Any, user_id: UUID | str | None, query: CanonicalQuery | None, day: date
) -> tuple[str | None, tuple[str, ...]]:
    """The key of the caller's request page and the generations it is stamped with (None:
    not cached: read models off, anonymous, invalid parameters, a Host spelling not listed)."""
    if not enabled() or user_id is None or query is None:
        return None, ()
    origin = _origin(request)
    if origin is None:
        return None, ()
    key = K.sparring_page_key(user_id, origin, day.isoformat(), query.query_string())
    return key, (K.sparring_generation_key(user_id),)


def _storable(entry: Any) -> bool:
    # An empty page filtered by a boxer is never stored: any id can be asked for.
    return bool(entry["page"]["results"]) or not entry.get("by_boxer")


def request_page(
    key: str | None, gen_keys: tuple[str, ...], compute: Callable[[], Any], store: FactStore | None = None
) -> Any:
    """{"page", "until", "by_boxer"} of one request page under `key` (None: computed)."""
    if key is None:
        return compute()
    return read_through("sparring", key, gen_keys, compute, store, _storable, _until)


# --- Availability ---------------------------------------------------------------------------------


def availability_page_key(
    request: Any, boxer_id: UUID | str, query: CanonicalQuery | None
) -> tuple[str | None, tuple[str, ...]]:
    """The key of a default-window availability page and its generations (None: not cached:
    read models off, `from`/`to` given, invalid parameters, a Host spelling not listed)."""
    params = request.GET
    if not enabled() or query is None or "from" in params or "to" in params:
        return None, ()
    origin = _origin(request)
    if origin is None:
        return None, ()
    try:
        key = K.availability_page_key(boxer_id, origin, query.query_string())
    except ValueError:  # not an id: the permission check answers 404
        return None, ()
    return key, (K.availability_generation_key(boxer_id), K.clubs_generation_key())


def availability_page(
    key: str | None, gen_keys: tuple[str, ...], compute: Callable[[], Any], store: FactStore | None = None
) -> Any:
    """{"page", "until"} of one availability page under `key` (None: computed). Look it up
    only after the permission check found the boxer."""
    if key is None:
        return compute()
    return read_through("availability", key, gen_keys, compute, store, None, _until)


# --- Who a write concerns -------------------------------------------------------------------------


def _ids(values: Iterable[Any]) -> set[str]:
    return {str(value) for value in values if value is not None}


def audience(
    boxer_ids: Iterable[Any] = (), club_ids: Iterable[Any] = (), user_ids: Iterable[Any] = ()
) -> set[str]:
    """Users who may act for any of the boxers (over-approximated, see the module docstring),
    the owners of the clubs and the users named, and every admin."""
    boxers = _ids(boxer_ids)
    users = _ids(user_ids) | _ids(User.objects.filter(role=Role.ADMIN).values_list("pk", flat=True))
    clubs = _ids(club_ids)
    if boxers:
        rows = Boxer._base_manager.filter(pk__in=boxers).values_list("user_id", "club_id")
        for user_id, club_id in rows:
            users |= _ids([user_id])
            clubs |= _ids([club_id])
        users |= _ids(CoachLink.objects.filter(boxer_id__in=boxers).values_list("coach_id", flat=True))
    if clubs:
        users |= _ids(Club._base_manager.filter(pk__in=clubs).values_list("owner_id", flat=True))
    return users


def _sides(requests: Any) -> set[str]:
    sides: set[str] = set()
    for from_id, to_id in requests.values_list("from_boxer_id", "to_boxer_id"):
        sides |= {str(from_id), str(to_id)}
    return sides


def _generations(user_ids: Iterable[str]) -> set[str]:
    return {K.sparring_generation_key(user_id) for user_id in user_ids}


def _after_commit(resolve: Callable[[], set[str]]) -> set[str]:
    """Bump the keys `resolve` names once the transaction has committed (a save: every
    relation it could concern is still there then, or was removed by a write that bumped its
    user itself)."""
    stamped.bump_resolved(resolve)
    return set()


def _now_and_after_commit(resolve: Callable[[], set[str]]) -> set[str]:
    """The keys `resolve` names now, and again once the transaction has committed (a delete:
    the rows it removes with it, such as a boxer's links, are read before they go)."""
    stamped.bump_resolved(resolve)
    return resolve()


def _request_audience(row: SparringRequest) -> Callable[[], set[str]]:
    sides = (row.from_boxer_id, row.to_boxer_id)
    return lambda: _generations(audience(sides))


def _boxer_audience(boxer: Boxer) -> Callable[[], set[str]]:
    # Also the rows of its partners: its name and figures show in their requests.
    pk, club_id, user_id = boxer.pk, boxer.club_id, boxer.user_id

    def resolve() -> set[str]:
        partners = _sides(SparringRequest.objects.filter(Q(from_boxer_id=pk) | Q(to_boxer_id=pk)))
        return _generations(audience({str(pk)} | partners, [club_id], [user_id]))

    return resolve


def _club_audience(club: Club) -> Callable[[], set[str]]:
    pk, owner_id = club.pk, club.owner_id

    def resolve() -> set[str]:
        at_venue = _sides(SparringRequest.objects.filter(venue_club_id=pk))
        return _generations(audience(at_venue, [pk], [owner_id]))

    return resolve


def _user_audience(user: User) -> Callable[[], set[str]]:
    pk = user.pk

    def resolve() -> set[str]:
        named = SparringRequest.objects.filter(Q(created_by_id=pk) | Q(responded_by_id=pk))
        return _generations(audience(_sides(named), (), [pk]))

    return resolve


def _watch(model: Any, resolver: Callable[[Any], Callable[[], set[str]]], **options: Any) -> watch.Watch:
    """A saved row's audience is read after the commit; a deleted row's before it too."""
    return watch.Watch(
        model,
        lambda row: _after_commit(resolver(row)),
        delete_keys=lambda row: _now_and_after_commit(resolver(row)),
        **options,
    )


def _link_keys(link: CoachLink) -> set[str]:
    return {K.sparring_generation_key(link.coach_id)}


def _slot_keys(slot: Availability) -> set[str]:
    return {K.availability_generation_key(slot.boxer_id)}


# Bumped even with READ_MODEL_CACHE off here: another process sharing the cache may have it on.
WATCHES = (
    _watch(SparringRequest, _request_audience),
    _watch(Boxer, _boxer_audience, subject_fields=frozenset({"club", "user"})),
    watch.Watch(CoachLink, _link_keys, subject_fields=frozenset({"coach"})),
    _watch(
        Club,
        _club_audience,
        fields=frozenset({"name", "owner"}),
        subject_fields=frozenset({"owner"}),
        on_create=False,
    ),
    _watch(User, _user_audience, fields=frozenset({"name", "role", "is_active"}), on_create=False),
    watch.Watch(Availability, _slot_keys, subject_fields=frozenset({"boxer"})),
)


def register() -> None:
    watch.register(*WATCHES)
