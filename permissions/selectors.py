"""List scopes in SQL: for each action, the objects the single-object check would allow.

`boxer_scope(actor, action)` and `club_scope(actor, action)` return a Q to filter
`Boxer.objects` / `Club.objects`; the property tests hold them equal to `Authorizer.check`
for every object. `coach_link_scope` and `membership_scope` give what the caller may see.
"""

from django.db.models import Q

from boxers.models import CoachLink, CoachLinkStatus
from permissions.actions import Action
from permissions.facts import UserFact
from permissions.rules import ANONYMOUS, EDIT_PROFILE, MANAGE_FIGHTS, role_may, role_of

NOTHING = Q(pk__in=[])


def _linked_boxer_ids(actor: UserFact, right: str | None) -> list:
    links = CoachLink.objects.filter(coach_id=actor.id, status=CoachLinkStatus.ACTIVE)
    return [
        link.boxer_id for link in links.only("boxer_id", "rights") if right is None or right in link.rights
    ]


def boxer_scope(actor: UserFact | None, action: Action = Action.BOXER_VIEW) -> Q:
    role = role_of(actor)
    public = Q(is_active=True, is_searchable=True, user__is_active=True)
    if role == "admin":
        return Q()
    if role == ANONYMOUS:
        return public if action == Action.BOXER_VIEW else NOTHING
    assert actor is not None
    own = Q(user_id=actor.id)
    owned_clubs = Q(is_active=True, club_id__in=list(actor.owned_club_ids))
    coach = role == "coach"
    if action == Action.BOXER_VIEW:
        linked = Q(is_active=True, id__in=_linked_boxer_ids(actor, None)) if coach else NOTHING
        return public | own | linked | owned_clubs
    if not role_may(actor, action):
        return NOTHING
    if action == Action.BOXER_UPDATE:
        editing = Q(is_active=True, id__in=_linked_boxer_ids(actor, EDIT_PROFILE)) if coach else NOTHING
        return own | editing | owned_clubs
    if action in (Action.BOXER_DELETE, Action.BOXER_LEAVE_CLUB):
        return own
    if action == Action.FIGHT_MANAGE:
        managing = Q(is_active=True, id__in=_linked_boxer_ids(actor, MANAGE_FIGHTS)) if coach else NOTHING
        return managing | owned_clubs
    if action == Action.BOXER_VERIFY:
        return NOTHING
    raise ValueError(f"no boxer scope for {action}")


def club_scope(actor: UserFact | None, action: Action = Action.CLUB_VIEW) -> Q:
    role = role_of(actor)
    if role == "admin":
        return Q()
    published = Q(is_published=True)
    owned = Q(id__in=list(actor.owned_club_ids)) if actor is not None and role != ANONYMOUS else NOTHING
    if action == Action.CLUB_VIEW:
        return published | owned
    if role == ANONYMOUS or not role_may(actor, action):
        return NOTHING
    assert actor is not None
    if action in (Action.CLUB_UPDATE, Action.CLUB_MANAGE_MEMBERS, Action.CLUB_VIEW_CONTACT):
        return owned
    if action == Action.CLUB_VIEW_MEMBERS:
        member_of = [c for c in (actor.coach_club_id, actor.boxer_club_id) if c]
        return owned | ((published | owned) & Q(id__in=member_of))
    if action in (Action.CLUB_DELETE, Action.CLUB_SET_OWNER):
        return NOTHING
    raise ValueError(f"no club scope for {action}")


def coach_link_scope(actor: UserFact | None) -> Q:
    """Links the actor may see: as their coach, as the boxer's owner, or all (admin)."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    if role == ANONYMOUS or not role_may(actor, Action.COACH_LINK_VIEW):
        return NOTHING
    assert actor is not None
    return Q(coach_id=actor.id) | Q(boxer__user_id=actor.id)


def membership_scope(actor: UserFact | None) -> Q:
    """Requests the actor may see: its own, its clubs' (owner), or all (admin)."""
    role = role_of(actor)
    if role == "admin":
        return Q()
    if role == ANONYMOUS:
        return NOTHING
    assert actor is not None
    return Q(user_id=actor.id) | Q(club__owner_id=actor.id)
