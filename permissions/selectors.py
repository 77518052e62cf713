"""List scopes in SQL: for an actor, the objects the single-object check lets it see.

`boxer_scope(actor)` filters `Boxer.objects` to the profiles `boxer.view` allows,
`club_scope(actor)` filters `Club.objects` to the clubs `club.view` allows (anonymous: the
public directory and the published clubs), `coach_link_scope(actor)` filters links to those
`coach_link.view` allows. The property tests hold each equal to `Authorizer.check` for every
object; the list selectors use them, so each visibility rule is written once in SQL.
"""

from uuid import UUID

from django.db.models import Q

from boxers.models import CoachLink, CoachLinkStatus
from permissions.actions import ANONYMOUS, Action
from permissions.facts import UserFact
from permissions.rules import role_may, role_of

NOTHING = Q(pk__in=[])
PUBLIC_BOXERS = Q(is_active=True, is_searchable=True, user__is_active=True)


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
        return PUBLIC_BOXERS
    assert actor is not None
    own = Q(user_id=actor.id)
    owned_clubs = Q(is_active=True, club_id__in=list(actor.owned_club_ids))
    linked = Q(is_active=True, id__in=_linked_boxer_ids(actor)) if role == "coach" else NOTHING
    return PUBLIC_BOXERS | own | linked | owned_clubs


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
