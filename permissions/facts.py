"""Relationship facts: the only inputs of authorization that need the database.

Each fact is a small frozen dataclass that round-trips through JSON (`to_json` /
`from_json`), so it can be cached as a plain value. `FAMILIES` is the one table of fact
families: for each, its dataclass, its batch loader (one query per family, whatever the
count; a subject that does not exist loads as None, which the cache keeps apart from a
miss) and the writes that change it (`sources`: permissions/invalidation.py turns them into
generation bumps on commit).

Adding a family (docs/permissions.md, "Adding a fact family"): write the dataclass and its
batch loader, and add one row to FAMILIES.
"""

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from uuid import UUID

from django.db.models import FilteredRelation, Model, OuterRef, Q, Subquery, UUIDField

from accounts.models import User
from boxers.models import Boxer, CoachLink, CoachLinkStatus
from clubs.models import Club, ClubCoach, ClubCoachStatus

Ids = tuple[str, ...]


class Fact(Protocol):
    """What the cache needs of a fact: a JSON round trip."""

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class UserFact:
    """Who the actor is and which relationships it has (one fact serves auth and rules)."""

    id: str
    role: str
    is_active: bool
    token_version: int
    boxer_id: str | None  # the actor's own boxer profile
    boxer_club_id: str | None  # the club of that profile
    coach_club_id: str | None  # the club the actor coaches at
    owned_club_ids: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["owned_club_ids"] = list(self.owned_club_ids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "UserFact":
        return cls(**{**data, "owned_club_ids": tuple(data["owned_club_ids"])})


@dataclass(frozen=True)
class BoxerFact:
    id: str
    owner_id: str
    club_id: str | None
    is_searchable: bool
    is_active: bool  # False: soft-deleted
    owner_active: bool
    date_of_birth: str | None = None  # ISO date: who acts for an under-18 (and who sees it)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "BoxerFact":
        return cls(**data)


@dataclass(frozen=True)
class ClubFact:
    id: str
    owner_id: str | None
    is_published: bool
    accepting_members: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ClubFact":
        return cls(**data)


@dataclass(frozen=True)
class LinkFact:
    """The (coach, boxer) link as authorization sees it; status None = no link."""

    coach_id: str
    boxer_id: str
    status: str | None
    rights: tuple[str, ...]

    @property
    def active_rights(self) -> frozenset[str]:
        return frozenset(self.rights) if self.status == CoachLinkStatus.ACTIVE else frozenset()

    @property
    def is_active(self) -> bool:
        return self.status == CoachLinkStatus.ACTIVE

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "rights": list(self.rights)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LinkFact":
        return cls(**{**data, "rights": tuple(data["rights"])})


@dataclass(frozen=True)
class CoachLinkObject:
    """A loaded coach link, for coach_link.* actions (not cached: the view loads the row)."""

    coach_id: str
    boxer_owner_id: str


@dataclass(frozen=True)
class SparringObject:
    """A loaded sparring request, for sparring.* actions: its two sides (their facts come
    from the cache)."""

    from_boxer_id: str
    to_boxer_id: str


@dataclass(frozen=True)
class ClubCoachObject:
    """A loaded club-coach row (an invitation or an active coach), for club_coach.* actions
    (not cached: the view loads the row)."""

    coach_id: str
    club_id: str
    status: str


@dataclass(frozen=True)
class MembershipObject:
    """A loaded membership request, for membership.* actions (not cached)."""

    requester_id: str
    club_owner_id: str | None
    status: str


def _s(value: UUID | str | None) -> str | None:
    return None if value is None else str(value)


# --- Batch loaders: one query per family (two for users), whatever the count ----------------
# Each takes subjects as tuples of canonical id strings and returns a fact (or None) for each.


def load_user_facts(subjects: list[Ids]) -> dict[Ids, UserFact | None]:
    ids = [s[0] for s in subjects]
    # Only an accepted position counts: an invitation grants nothing (one active per coach).
    coaching = ClubCoach.objects.filter(coach_id=OuterRef("pk"), status=ClubCoachStatus.ACTIVE)
    rows = (
        User.objects.filter(pk__in=ids)
        .annotate(coach_club_id=Subquery(coaching.values("club_id")[:1], output_field=UUIDField()))
        .values("id", "role", "is_active", "token_version", "boxer__id", "boxer__club_id", "coach_club_id")
    )
    owned: dict[str, list[str]] = {}
    for owner_id, club_id in (
        Club.objects.filter(owner_id__in=ids).order_by("id").values_list("owner_id", "id")
    ):
        owned.setdefault(str(owner_id), []).append(str(club_id))
    found: dict[Ids, UserFact | None] = dict.fromkeys(subjects)
    for row in rows:
        uid = str(row["id"])
        found[(uid,)] = UserFact(
            id=uid,
            role=row["role"],
            is_active=row["is_active"],
            token_version=row["token_version"],
            boxer_id=_s(row["boxer__id"]),
            boxer_club_id=_s(row["boxer__club_id"]),
            coach_club_id=_s(row["coach_club_id"]),
            owned_club_ids=tuple(owned.get(uid, ())),
        )
    return found


def load_boxer_facts(subjects: list[Ids]) -> dict[Ids, BoxerFact | None]:
    rows = Boxer.objects.filter(pk__in=[s[0] for s in subjects]).values(
        "id", "user_id", "club_id", "is_searchable", "is_active", "user__is_active", "date_of_birth"
    )
    found: dict[Ids, BoxerFact | None] = dict.fromkeys(subjects)
    for row in rows:
        found[(str(row["id"]),)] = BoxerFact(
            id=str(row["id"]),
            owner_id=str(row["user_id"]),
            club_id=_s(row["club_id"]),
            is_searchable=row["is_searchable"],
            is_active=row["is_active"],
            owner_active=row["user__is_active"],
            date_of_birth=None if row["date_of_birth"] is None else row["date_of_birth"].isoformat(),
        )
    return found


def load_club_facts(subjects: list[Ids]) -> dict[Ids, ClubFact | None]:
    rows = Club.objects.filter(pk__in=[s[0] for s in subjects]).values(
        "id", "owner_id", "is_published", "accepting_members"
    )
    found: dict[Ids, ClubFact | None] = dict.fromkeys(subjects)
    for row in rows:
        found[(str(row["id"]),)] = ClubFact(
            id=str(row["id"]),
            owner_id=_s(row["owner_id"]),
            is_published=row["is_published"],
            accepting_members=row["accepting_members"],
        )
    return found


def load_link_facts(subjects: list[Ids]) -> dict[Ids, LinkFact | None]:
    """Links by (coach id, boxer id); a pair without a link has status None, a pair whose
    boxer does not exist loads as None (absent: nothing is cached for it, see stamped.store).

    One query: the boxers, each joined to its links from the coaches asked about.
    """
    coach_ids = {coach_id for coach_id, _boxer_id in subjects}
    rows = (
        Boxer.objects.filter(pk__in={boxer_id for _coach_id, boxer_id in subjects})
        .annotate(link=FilteredRelation("coach_links", condition=Q(coach_links__coach_id__in=coach_ids)))
        .values_list("pk", "link__coach_id", "link__status", "link__rights")
    )
    boxers: set[str] = set()
    links: dict[Ids, tuple[str, list[str]]] = {}
    for row_boxer, row_coach, status, rights in rows:
        boxers.add(str(row_boxer))
        if row_coach is not None:
            links[(str(row_coach), str(row_boxer))] = (status, rights)
    found: dict[Ids, LinkFact | None] = {}
    for coach_id, boxer_id in subjects:
        link = links.get((coach_id, boxer_id))
        found[(coach_id, boxer_id)] = (
            None
            if boxer_id not in boxers
            else LinkFact(
                coach_id=coach_id,
                boxer_id=boxer_id,
                status=link[0] if link else None,
                rights=tuple(sorted(link[1])) if link else (),
            )
        )
    return found


# --- Subjects of a written row (for the sources below) ----------------------------------------


def _ids(*values: Any) -> list[Ids]:
    return [(str(v),) for v in values if v is not None]


def _boxers_of_user(user: User) -> list[Ids]:
    return _ids(*Boxer.objects.filter(user_id=user.pk).values_list("pk", flat=True))


def _clubs_of_owner(user: User) -> list[Ids]:
    return _ids(*Club.objects.filter(owner_id=user.pk).values_list("pk", flat=True))


def _members_of_club(club: Club) -> list[Ids]:
    return _ids(*Boxer.objects.filter(club_id=club.pk).values_list("pk", flat=True))


def _member_users_of_club(club: Club) -> list[Ids]:
    return _ids(*Boxer.objects.filter(club_id=club.pk).values_list("user_id", flat=True))


@dataclass(frozen=True)
class Source:
    """Writes of `model` rows change the facts of `subjects(row)`.

    fields: the row's fields the fact reads (None: any write; empty: its deletion only, for
        rows whose deletion changes others without a signal, e.g. ON DELETE SET NULL).
    subject_fields: the fields `subjects` depends on (a save that may change them bumps the
        subjects of the row as stored before, too).
    """

    model: type[Model]
    subjects: Callable[[Any], Iterable[Ids]]
    fields: frozenset[str] | None = None
    subject_fields: frozenset[str] = frozenset()


def _f(*names: str) -> frozenset[str]:
    """Field names as `save(update_fields=...)` may give them (a foreign key as `club` or `club_id`)."""
    return frozenset(names) | frozenset(f"{name}_id" for name in names)


@dataclass(frozen=True)
class FactFamily:
    """One row of the fact table: family `name`, its dataclass, loader and sources.

    `version` goes up when the fact's shape changes: its keys change with it, so entries
    cached by an older release are never decoded as the new shape.
    """

    name: str
    fact: type[Fact]
    load_many: Callable[[list[Ids]], dict[Ids, Any]]
    sources: tuple[Source, ...]
    version: int = 1

    @property
    def key(self) -> str:
        """The family's name in its cache keys (`perm:f:<key>:<ids>`)."""
        return self.name if self.version == 1 else f"{self.name}.v{self.version}"


FAMILIES: dict[str, FactFamily] = {
    family.name: family
    for family in (
        FactFamily(
            "user",
            UserFact,
            load_user_facts,
            sources=(
                Source(User, lambda u: _ids(u.pk), _f("role", "is_active", "token_version")),
                Source(Boxer, lambda b: _ids(b.user_id), _f("user", "club"), _f("user")),
                Source(ClubCoach, lambda c: _ids(c.coach_id), _f("coach", "club", "status"), _f("coach")),
                Source(Club, lambda c: _ids(c.owner_id), _f("owner"), _f("owner")),
                Source(Club, _member_users_of_club, _f()),  # their boxer_club_id is set to NULL
            ),
        ),
        FactFamily(
            "boxer",
            BoxerFact,
            load_boxer_facts,
            sources=(
                Source(
                    Boxer,
                    lambda b: _ids(b.pk),
                    _f("user", "club", "is_searchable", "is_active", "date_of_birth"),
                ),
                Source(User, _boxers_of_user, _f("is_active")),
                Source(Club, _members_of_club, _f()),  # their club_id is set to NULL
            ),
            version=2,  # 2: date_of_birth
        ),
        FactFamily(
            "club",
            ClubFact,
            load_club_facts,
            sources=(
                Source(Club, lambda c: _ids(c.pk), _f("owner", "is_published", "accepting_members")),
                Source(User, _clubs_of_owner, _f()),  # their owner is set to NULL
            ),
        ),
        FactFamily(
            "link",
            LinkFact,
            load_link_facts,
            sources=(
                Source(
                    CoachLink,
                    lambda link: [(str(link.coach_id), str(link.boxer_id))],
                    _f("coach", "boxer", "status", "rights"),
                    _f("coach", "boxer"),
                ),
            ),
        ),
    )
}
