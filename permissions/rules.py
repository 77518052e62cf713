"""The rules: pure functions of (actor, action, facts) → Decision. No I/O here.

`visible` answers "may the actor know this object exists?" (False → 404);
`allowed` answers "may the actor do this?" (visible but not allowed → 403).
"""

from dataclasses import dataclass

from permissions.actions import ANONYMOUS, ROLE_GRANTS, Action
from permissions.facts import (
    BoxerFact,
    ClubCoachObject,
    ClubFact,
    CoachLinkObject,
    LinkFact,
    MembershipObject,
    UserFact,
)

ADMIN = "admin"
EDIT_PROFILE = "edit_profile"
MANAGE_FIGHTS = "manage_fights"
NOT_ACCEPTING_MEMBERS = "not_accepting_members"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    visible: bool = True
    # Why a visible object was refused, when the API answers something other than 403 for it.
    code: str = "permission_denied"

    def __bool__(self) -> bool:
        return self.allowed


def _allow(reason: str) -> Decision:
    return Decision(True, reason)


def _deny(reason: str, code: str = "permission_denied") -> Decision:
    return Decision(False, reason, code=code)


def _hidden(reason: str) -> Decision:
    return Decision(False, reason, visible=False)


def role_of(actor: UserFact | None) -> str:
    return actor.role if actor is not None and actor.is_active else ANONYMOUS


def role_may(actor: UserFact | None, action: Action) -> bool:
    return action in ROLE_GRANTS.get(role_of(actor), frozenset())


def _is_admin(actor: UserFact | None) -> bool:
    return role_of(actor) == ADMIN


def _owns_club(actor: UserFact | None, club_id: str | None) -> bool:
    # An inactive owner is treated like anonymous, as everywhere else (and in the selectors).
    return (
        actor is not None
        and role_of(actor) != ANONYMOUS
        and club_id is not None
        and club_id in actor.owned_club_ids
    )


def _link_rights(actor: UserFact | None, link: LinkFact | None, boxer: BoxerFact) -> frozenset[str]:
    if actor is None or link is None or role_of(actor) != "coach":
        return frozenset()
    if link.coach_id != actor.id or link.boxer_id != boxer.id:
        return frozenset()
    return link.active_rights if link.is_active else frozenset()


def _has_active_link(actor: UserFact | None, link: LinkFact | None, boxer: BoxerFact) -> bool:
    return (
        actor is not None
        and link is not None
        and role_of(actor) == "coach"
        and link.coach_id == actor.id
        and link.boxer_id == boxer.id
        and link.is_active
    )


def boxer_visibility(actor: UserFact | None, boxer: BoxerFact | None, link: LinkFact | None) -> Decision:
    if boxer is None:
        return _hidden("boxer does not exist")
    is_owner = actor is not None and role_of(actor) != ANONYMOUS and actor.id == boxer.owner_id
    if _is_admin(actor):
        return _allow("admin sees every profile")
    if not boxer.is_active:
        return _allow("owner sees own deleted profile") if is_owner else _hidden("profile deleted")
    if is_owner:
        return _allow("owner sees own profile")
    if boxer.is_searchable and boxer.owner_active:
        return _allow("profile is public")
    if _has_active_link(actor, link, boxer):
        return _allow("coach with an active link")
    if _owns_club(actor, boxer.club_id):
        return _allow("owner of the boxer's club")
    return _hidden("profile is hidden")


def decide_boxer(
    actor: UserFact | None, action: Action, boxer: BoxerFact | None, link: LinkFact | None = None
) -> Decision:
    """boxer.*, fight.manage and coach_link.request on one boxer."""
    seen = boxer_visibility(actor, boxer, link)
    if not seen.visible or action == Action.BOXER_VIEW:
        return seen
    assert boxer is not None
    if not role_may(actor, action):
        return _deny(f"role {role_of(actor)} may not {action}")
    admin = _is_admin(actor)
    is_owner = actor is not None and actor.id == boxer.owner_id
    # A soft-deleted profile is the owner's and admins' alone: links and clubs grant nothing.
    rights = _link_rights(actor, link, boxer) if boxer.is_active else frozenset()
    club_owner = boxer.is_active and _owns_club(actor, boxer.club_id)
    if action == Action.BOXER_UPDATE:
        if admin or is_owner:
            return _allow("admin" if admin else "owner")
        if EDIT_PROFILE in rights:
            return _allow("coach with edit_profile")
        if club_owner:
            return _allow("owner of the boxer's club")
        return _deny("not the owner, an editing coach, the club owner or an admin")
    if action in (Action.BOXER_DELETE, Action.BOXER_LEAVE_CLUB):
        if admin or is_owner:
            return _allow("admin" if admin else "owner")
        return _deny("only the owner or an admin")
    if action == Action.BOXER_VERIFY:
        return _allow("admin") if admin else _deny("only an admin")
    if action == Action.FIGHT_MANAGE:
        if admin:
            return _allow("admin")
        if MANAGE_FIGHTS in rights:
            return _allow("coach with manage_fights")
        if club_owner:
            return _allow("owner of the boxer's club")
        return _deny("only a coach with manage_fights, the club owner or an admin")
    if action == Action.COACH_LINK_REQUEST:
        if role_of(actor) == "coach":
            return _allow("coach may request a link to a boxer it can view")
        return _deny("only coaches request links")
    raise ValueError(f"{action} is not a boxer action")


def club_visibility(actor: UserFact | None, club: ClubFact | None) -> Decision:
    if club is None:
        return _hidden("club does not exist")
    if club.is_published:
        return _allow("club is published")
    if _is_admin(actor):
        return _allow("admin")
    if _owns_club(actor, club.id):
        return _allow("club owner")
    return _hidden("club is not published")


def decide_club(actor: UserFact | None, action: Action, club: ClubFact | None) -> Decision:
    """club.* and membership.request on one club."""
    seen = club_visibility(actor, club)
    if not seen.visible or action == Action.CLUB_VIEW:
        return seen
    assert club is not None
    if not role_may(actor, action):
        return _deny(f"role {role_of(actor)} may not {action}")
    admin = _is_admin(actor)
    owner = _owns_club(actor, club.id)
    if action in (Action.CLUB_UPDATE, Action.CLUB_MANAGE_MEMBERS, Action.CLUB_VIEW_CONTACT):
        if admin or owner:
            return _allow("admin" if admin else "club owner")
        return _deny("only the club owner or an admin")
    if action in (Action.CLUB_DELETE, Action.CLUB_SET_OWNER):
        return _allow("admin") if admin else _deny("only an admin")
    if action == Action.CLUB_VIEW_MEMBERS:
        if admin or owner:
            return _allow("admin" if admin else "club owner")
        assert actor is not None
        if actor.coach_club_id == club.id:
            return _allow("coach of the club")
        if actor.boxer_club_id == club.id:
            return _allow("boxer in the club")
        return _deny("only the club's owner, coaches, boxers or an admin")
    if action == Action.MEMBERSHIP_REQUEST:
        assert actor is not None
        if actor.boxer_id is None:
            return _deny("only users with a boxer profile may request membership")
        if not club.accepting_members:
            # A state of the club, not of the caller: the API answers 400 for it.
            return _deny("club is not accepting members", code=NOT_ACCEPTING_MEMBERS)
        return _allow("boxer may request to join")
    raise ValueError(f"{action} is not a club action")


def decide_coach_link(actor: UserFact | None, action: Action, link: CoachLinkObject) -> Decision:
    """coach_link.view / respond / remove on a loaded link."""
    admin = _is_admin(actor)
    is_coach = actor is not None and actor.id == link.coach_id
    is_boxer_owner = actor is not None and actor.id == link.boxer_owner_id
    if not (admin or is_coach or is_boxer_owner) or not role_may(actor, Action.COACH_LINK_VIEW):
        return _hidden("not a party to this link")
    if action == Action.COACH_LINK_VIEW:
        return _allow("party to the link")
    if action == Action.COACH_LINK_RESPOND:
        if admin or is_boxer_owner:
            return _allow("admin" if admin else "boxer's owner")
        return _deny("only the boxer's owner or an admin may respond or set rights")
    if action == Action.COACH_LINK_REMOVE:
        return _allow("party to the link")
    raise ValueError(f"{action} is not a coach link action")


def decide_membership(actor: UserFact | None, action: Action, request: MembershipObject) -> Decision:
    """membership.view / cancel / review on a loaded membership request."""
    admin = _is_admin(actor)
    is_requester = actor is not None and role_of(actor) != ANONYMOUS and actor.id == request.requester_id
    is_club_owner = (
        actor is not None
        and role_of(actor) != ANONYMOUS
        and request.club_owner_id is not None
        and actor.id == request.club_owner_id
    )
    if not (admin or is_requester or is_club_owner):
        return _hidden("not a party to this request")
    if action == Action.MEMBERSHIP_VIEW:
        return _allow("party to the request")
    if action == Action.MEMBERSHIP_CANCEL:
        return _allow("requester") if is_requester else _deny("only the requester may cancel")
    if action == Action.MEMBERSHIP_REVIEW:
        if admin or (is_club_owner and role_may(actor, action)):
            return _allow("admin" if admin else "club owner")
        return _deny("only the club owner or an admin may review")
    raise ValueError(f"{action} is not a membership action")


def decide_global(actor: UserFact | None, action: Action) -> Decision:
    """Actions on no particular object (create club, manage users, stats, create profile)."""
    if role_may(actor, action):
        return _allow(f"role {role_of(actor)} may {action}")
    return _deny(f"role {role_of(actor)} may not {action}")


def decide_club_coach(actor: UserFact | None, action: Action, club_coach: ClubCoachObject) -> Decision:
    """club_coach.accept / decline / leave on a loaded club-coach row: the coach's own
    consent, so only that coach may (the club's owner and admins see the row: 403; anyone
    else: 404). The club's owner removes a coach with club.manage_members instead."""
    if action not in (Action.CLUB_COACH_ACCEPT, Action.CLUB_COACH_DECLINE, Action.CLUB_COACH_LEAVE):
        raise ValueError(f"{action} is not a club coach action")
    is_coach = actor is not None and role_of(actor) != ANONYMOUS and actor.id == club_coach.coach_id
    if not (is_coach or _is_admin(actor) or _owns_club(actor, club_coach.club_id)):
        return _hidden("not a party to this invitation")
    if is_coach and role_may(actor, action):
        return _allow("the coach itself")
    return _deny("only the coach itself may accept, decline or leave")
