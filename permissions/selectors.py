"""List scopes in SQL: for an actor, the objects the single-object check lets it see.

`boxer_scope(actor)` filters `Boxer.objects` to the profiles `boxer.view` allows,
`club_scope(actor)` filters `Club.objects` to the clubs `club.view` allows (anonymous: the
public directory and the published clubs), `coach_link_scope(actor)` filters links to those
`coach_link.view` allows, `acting_for_scope(actor, today)` filters boxers to those the actor
acts for (`rules.acts_for`) and `acting_for_ids(actor, today)` lists the same boxers' ids
from the actor's side, `availability_view_scope(actor, today)` filters them to those
whose slots `availability.view` shows it, `acting_users_scope(boxer_id, today)` filters users to those
who act for a boxer (the people told of its sparring), and `sparring_request_scope(actor,
today)` filters requests to those `sparring.view` allows (acting for either side). The
property tests hold each equal
to `Authorizer.check` for every object; the list selectors use them, so each visibility
rule is written once in SQL.
"""

from datetime import date
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from boxers.models import Boxer, CoachLink, CoachLinkStatus, SparringRequest
from permissions.actions import ANONYMOUS, Action
from permissions.facts import UserFact
from permissions.rules import (
    ADULT_AGE,
    MANAGE_SPARRING,
    MINOR_AVAILABILITY_ROLES,
    role_may,
    role_of,
    years_before,
)

NOTHING = Q(pk__in=[])


def public_boxers() -> Q:
    """Profiles every caller may view: active, searchable, of an active user. Spelled without
    joining the users (every profile has one): the few deactivated accounts are left out by an
    anti-join on their partial index `accounts_user_inactive`, so a filtered directory count
    reads the boxers' index alone instead of joining a full scan of the users."""
    inactive = User.objects.filter(pk=OuterRef("user_id"), is_active=False)
    return Q(is_active=True, is_searchable=True) & ~Q(Exists(inactive))


def _linked_boxer_ids(actor: UserFact) -> list[UUID]:
    links = CoachLink.objects.filter(coach_id=UUID(actor.id), status=CoachLinkStatus.ACTIVE)
    return list(links.values_list("boxer_id", flat=True))


def boxer_scope(actor: UserFact | None) -> Q:
    """Profiles the actor may view: public ones, its own, those it coaches (active link),
    those in clubs it owns; every one for an admin."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    if role == ANONYMOUS:
        return public_boxers()
    assert actor is not None
    own = Q(user_id=actor.id)
    owned_clubs = Q(is_active=True, club_id__in=list(actor.owned_club_ids))
    linked = Q(is_active=True, id__in=_linked_boxer_ids(actor)) if role == "coach" else NOTHING
    return public_boxers() | own | linked | owned_clubs


def club_scope(actor: UserFact | None) -> Q:
    """Clubs the actor may view: published ones and those it owns; every one for an admin."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    published = Q(is_published=True)
    if actor is None or role == ANONYMOUS:
        return published
    return published | Q(id__in=list(actor.owned_club_ids))


def coach_link_scope(actor: UserFact | None) -> Q:
    """Links the actor may see: as their coach, as the boxer's owner, or all (admin)."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    if role == ANONYMOUS or not role_may(actor, Action.COACH_LINK_VIEW):
        return NOTHING
    assert actor is not None
    return Q(coach_id=actor.id) | Q(boxer__user_id=actor.id)


def _has_right(right: str) -> Q:
    """Coach links whose rights include `right` (a JSON list; rights are fixed names, none a
    part of another, so a text match is exact where JSON containment is not available)."""
    if connection.vendor == "postgresql":
        return Q(rights__contains=[right])
    return Q(rights__icontains=f'"{right}"')


def acting_for_scope(actor: UserFact | None, today: date, prefix: str = "") -> Q:
    """Boxers the actor acts for: its own profile when 18 or over (or without a date of
    birth), active profiles it coaches with manage_sparring, active profiles in clubs it owns;
    every one for an admin. `prefix` applies it through a relation ("from_boxer__")."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    if actor is None or role == ANONYMOUS:
        return NOTHING
    adult = Q(**{f"{prefix}date_of_birth__isnull": True}) | Q(
        **{f"{prefix}date_of_birth__lte": years_before(today, ADULT_AGE)}
    )
    scope = (Q(**{f"{prefix}user_id": UUID(actor.id)}) & adult) | Q(
        **{f"{prefix}is_active": True, f"{prefix}club_id__in": [UUID(c) for c in actor.owned_club_ids]}
    )
    if role == "coach":
        links = CoachLink.objects.filter(
            _has_right(MANAGE_SPARRING),
            coach_id=UUID(actor.id),
            boxer_id=OuterRef(f"{prefix.removesuffix('__')}_id" if prefix else "pk"),
            status=CoachLinkStatus.ACTIVE,
        )
        scope |= Q(Exists(links), **{f"{prefix}is_active": True})
    return scope


def availability_view_scope(actor: UserFact | None, today: date, prefix: str = "") -> Q:
    """Boxers whose slots `availability.view` shows the actor, among the profiles it may view
    (boxer_scope decides those): every one for roles coach, gym_owner and admin; otherwise
    those 18 or over (or without a date of birth), its own, and those it acts for. Nothing
    for anonymous callers. `prefix` applies it through a relation ("boxer__")."""
    if not role_may(actor, Action.AVAILABILITY_VIEW):
        return NOTHING
    if role_of(actor) in MINOR_AVAILABILITY_ROLES:
        return Q()
    assert actor is not None
    adult = Q(**{f"{prefix}date_of_birth__isnull": True}) | Q(
        **{f"{prefix}date_of_birth__lte": years_before(today, ADULT_AGE)}
    )
    return adult | Q(**{f"{prefix}user_id": UUID(actor.id)}) | acting_for_scope(actor, today, prefix)


def acting_users_scope(boxer_id: UUID | str, today: date) -> Q:
    """Users who act for the boxer (`rules.acts_for`) other than by being admins, for
    `User.objects`: active users only (an inactive one acts for nobody); its own user when
    the boxer is 18 or over (or without a date of birth); users with role coach holding an
    active link with manage_sparring to the active profile; the owner of the active
    profile's club. The same rule as acting_for_scope, read from the boxer's side."""
    boxer = Boxer.objects.filter(pk=UUID(str(boxer_id)))
    adult = Q(date_of_birth__isnull=True) | Q(date_of_birth__lte=years_before(today, ADULT_AGE))
    own = Exists(boxer.filter(adult, user_id=OuterRef("pk")))
    coaching = Exists(
        CoachLink.objects.filter(
            _has_right(MANAGE_SPARRING),
            coach_id=OuterRef("pk"),
            boxer__in=boxer.filter(is_active=True),
            status=CoachLinkStatus.ACTIVE,
        )
    )
    club_owner = Exists(boxer.filter(is_active=True, club__owner_id=OuterRef("pk")))
    return Q(is_active=True) & (Q(own) | Q(coaching, role="coach") | Q(club_owner))


def acting_for_ids(actor: UserFact | None, today: date) -> QuerySet[Any] | None:
    """The ids of the boxers the actor acts for (acting_for_scope), read from the actor's
    side: a UNION of its own adult profile (by user), the active profiles of the clubs it
    owns (by club) and, for a coach, the active profiles it holds a manage_sparring link to
    (by coach), each from its index, so the cost follows the actor's boxers, not the table.
    None for an admin (every boxer); an empty queryset for anonymous callers."""
    role = role_of(actor)
    if role == "admin":
        return None
    if actor is None or role == ANONYMOUS:
        return Boxer.objects.none().values("id")
    adult = Q(date_of_birth__isnull=True) | Q(date_of_birth__lte=years_before(today, ADULT_AGE))
    parts: list[QuerySet[Any]] = [Boxer.objects.filter(adult, user_id=UUID(actor.id)).order_by().values("id")]
    if actor.owned_club_ids:
        clubs = [UUID(c) for c in actor.owned_club_ids]
        parts.append(Boxer.objects.filter(is_active=True, club_id__in=clubs).order_by().values("id"))
    if role == "coach":
        links = CoachLink.objects.filter(
            _has_right(MANAGE_SPARRING),
            coach_id=UUID(actor.id),
            status=CoachLinkStatus.ACTIVE,
            boxer__is_active=True,
        )
        parts.append(links.order_by().values("boxer_id"))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def sparring_request_scope(actor: UserFact | None, today: date) -> Q:
    """Requests the actor may see: those where it acts for either side (admin: all). The
    same rule as acting_for_scope on either side, driven from the boxers the actor acts
    for: the requests from them UNION the requests to them, each branch read from the
    (from_boxer, created_at) / (to_boxer, created_at) index, never the whole table."""
    acting = acting_for_ids(actor, today)
    if acting is None:
        return Q()
    sent = SparringRequest.objects.filter(from_boxer_id__in=acting).order_by().values("id")
    received = SparringRequest.objects.filter(to_boxer_id__in=acting).order_by().values("id")
    return Q(pk__in=sent.union(received))
