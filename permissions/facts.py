"""Relationship facts: the only inputs of authorization that need the database.

Each fact is a small frozen dataclass that round-trips through JSON (`to_json` /
`from_json`), so it can be cached as a plain value. `load_*` functions read one fact from
PostgreSQL; they return None when the subject does not exist (a cached "absent" is still
distinguishable from a miss: see permissions/cache.py).
"""

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q

from accounts.models import User
from boxers.models import Boxer, CoachLink, CoachLinkStatus
from clubs.models import Club


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
class MembershipObject:
    """A loaded membership request, for membership.* actions (not cached)."""

    requester_id: str
    club_owner_id: str | None
    status: str


def _s(value: UUID | str | None) -> str | None:
    return None if value is None else str(value)


def load_user_fact(user_id: UUID | str) -> UserFact | None:
    row = (
        User.objects.filter(pk=user_id)
        .values(
            "role",
            "is_active",
            "token_version",
            "boxer__id",
            "boxer__club_id",
            "club_coach__club_id",
        )
        .first()
    )
    if row is None:
        return None
    owned = Club.objects.filter(owner_id=user_id).order_by("id").values_list("id", flat=True)
    return UserFact(
        id=str(user_id),
        role=row["role"],
        is_active=row["is_active"],
        token_version=row["token_version"],
        boxer_id=_s(row["boxer__id"]),
        boxer_club_id=_s(row["boxer__club_id"]),
        coach_club_id=_s(row["club_coach__club_id"]),
        owned_club_ids=tuple(str(c) for c in owned),
    )


def load_boxer_fact(boxer_id: UUID | str) -> BoxerFact | None:
    row = (
        Boxer.objects.filter(pk=boxer_id)
        .values("user_id", "club_id", "is_searchable", "is_active", "user__is_active")
        .first()
    )
    if row is None:
        return None
    return BoxerFact(
        id=str(boxer_id),
        owner_id=str(row["user_id"]),
        club_id=_s(row["club_id"]),
        is_searchable=row["is_searchable"],
        is_active=row["is_active"],
        owner_active=row["user__is_active"],
    )


def load_club_fact(club_id: UUID | str) -> ClubFact | None:
    row = Club.objects.filter(pk=club_id).values("owner_id", "is_published", "accepting_members").first()
    if row is None:
        return None
    return ClubFact(
        id=str(club_id),
        owner_id=_s(row["owner_id"]),
        is_published=row["is_published"],
        accepting_members=row["accepting_members"],
    )


def load_link_fact(coach_id: UUID | str, boxer_id: UUID | str) -> LinkFact:
    row = CoachLink.objects.filter(coach_id=coach_id, boxer_id=boxer_id).values("status", "rights").first()
    return LinkFact(
        coach_id=str(coach_id),
        boxer_id=str(boxer_id),
        status=row["status"] if row else None,
        rights=tuple(sorted(row["rights"])) if row else (),
    )


# --- Batch loaders: one query per family (two for users), whatever the count ----------------


def load_user_facts(user_ids: list[UUID | str]) -> dict[str, UserFact | None]:
    """UserFacts by canonical id string; absent users map to None."""
    ids = [str(UUID(str(u))) for u in user_ids]
    rows = User.objects.filter(pk__in=ids).values(
        "id", "role", "is_active", "token_version", "boxer__id", "boxer__club_id", "club_coach__club_id"
    )
    owned: dict[str, list[str]] = {}
    for owner_id, club_id in (
        Club.objects.filter(owner_id__in=ids).order_by("id").values_list("owner_id", "id")
    ):
        owned.setdefault(str(owner_id), []).append(str(club_id))
    found: dict[str, UserFact | None] = dict.fromkeys(ids)
    for row in rows:
        uid = str(row["id"])
        found[uid] = UserFact(
            id=uid,
            role=row["role"],
            is_active=row["is_active"],
            token_version=row["token_version"],
            boxer_id=_s(row["boxer__id"]),
            boxer_club_id=_s(row["boxer__club_id"]),
            coach_club_id=_s(row["club_coach__club_id"]),
            owned_club_ids=tuple(owned.get(uid, ())),
        )
    return found


def load_boxer_facts(boxer_ids: list[UUID | str]) -> dict[str, BoxerFact | None]:
    ids = [str(UUID(str(b))) for b in boxer_ids]
    rows = Boxer.objects.filter(pk__in=ids).values(
        "id", "user_id", "club_id", "is_searchable", "is_active", "user__is_active"
    )
    found: dict[str, BoxerFact | None] = dict.fromkeys(ids)
    for row in rows:
        found[str(row["id"])] = BoxerFact(
            id=str(row["id"]),
            owner_id=str(row["user_id"]),
            club_id=_s(row["club_id"]),
            is_searchable=row["is_searchable"],
            is_active=row["is_active"],
            owner_active=row["user__is_active"],
        )
    return found


def load_club_facts(club_ids: list[UUID | str]) -> dict[str, ClubFact | None]:
    ids = [str(UUID(str(c))) for c in club_ids]
    rows = Club.objects.filter(pk__in=ids).values("id", "owner_id", "is_published", "accepting_members")
    found: dict[str, ClubFact | None] = dict.fromkeys(ids)
    for row in rows:
        found[str(row["id"])] = ClubFact(
            id=str(row["id"]),
            owner_id=_s(row["owner_id"]),
            is_published=row["is_published"],
            accepting_members=row["accepting_members"],
        )
    return found


def load_link_facts(pairs: list[tuple[UUID | str, UUID | str]]) -> dict[tuple[str, str], LinkFact]:
    """LinkFacts by (coach id, boxer id); a pair without a link has status None."""
    keys = [(str(UUID(str(c))), str(UUID(str(b)))) for c, b in pairs]
    by_coach: dict[str, list[str]] = {}
    for coach_id, boxer_id in keys:
        by_coach.setdefault(coach_id, []).append(boxer_id)
    query = Q(pk__in=[])
    for coach_id, boxer_ids in by_coach.items():
        query |= Q(coach_id=coach_id, boxer_id__in=boxer_ids)
    rows = {
        (str(row["coach_id"]), str(row["boxer_id"])): row
        for row in CoachLink.objects.filter(query).values("coach_id", "boxer_id", "status", "rights")
    }
    found: dict[tuple[str, str], LinkFact] = {}
    for key in keys:
        row = rows.get(key)
        found[key] = LinkFact(
            coach_id=key[0],
            boxer_id=key[1],
            status=row["status"] if row else None,
            rights=tuple(sorted(row["rights"])) if row else (),
        )
    return found


__all__ = [
    "BoxerFact",
    "ClubFact",
    "CoachLinkObject",
    "LinkFact",
    "MembershipObject",
    "UserFact",
    "load_boxer_fact",
    "load_boxer_facts",
    "load_club_fact",
    "load_club_facts",
    "load_link_fact",
    "load_link_facts",
    "load_user_fact",
    "load_user_facts",
]
