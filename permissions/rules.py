"""The rules: pure functions of (actor, action, facts) → Decision. No I/O here.

`visible` answers "may the actor know this object exists?" (False → 404);
`allowed` answers "may the actor do this?" (visible but not allowed → 403).
"""

from dataclasses import dataclass
from datetime import date

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
MANAGE_SPARRING = "manage_sparring"
NOT_ACCEPTING_MEMBERS = "not_accepting_members"
# Codes of refusals an API client can act on (permissions/denials.py words them).
ROLE_NOT_ALLOWED = "role_not_allowed"
BOXER_PROFILE_REQUIRED = "boxer_profile_required"
ADULT_AGE = 18
# Roles that may see an under-18's availability without acting for it (DESIGN.md).
MINOR_AVAILABILITY_ROLES = frozenset({"coach", "gym_owner", ADMIN})


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
        return _deny(f"role {role_of(actor)} may not {action}", code=ROLE_NOT_ALLOWED)
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
        return _deny(f"role {role_of(actor)} may not {action}", code=ROLE_NOT_ALLOWED)
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
            return _deny(
                "only users with a boxer profile may request membership", code=BOXER_PROFILE_REQUIRED
            )
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
    return _deny(f"role {role_of(actor)} may not {action}", code=ROLE_NOT_ALLOWED)


# --- Sparring: who acts for a boxer -------------------------------------------------------------


def years_before(today: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def is_adult(date_of_birth: str | None, today: date) -> bool:
    """18 or over on `today`; a profile without a date of birth counts as an adult."""
    return date_of_birth is None or date.fromisoformat(date_of_birth) <= years_before(today, ADULT_AGE)


def acts_for(actor: UserFact | None, boxer: BoxerFact | None, link: LinkFact | None, today: date) -> Decision:
    """Does the actor act for this boxer (DESIGN.md, "acts for")? Its own user when 18 or over
    (or without a date of birth); a coach with an active link carrying manage_sparring; the
    owner of its club; an admin. A soft-deleted profile is its owner's and admins' alone."""
    seen = boxer_visibility(actor, boxer, link)
    if not seen.visible:
        return seen
    assert boxer is not None
    if actor is None or role_of(actor) == ANONYMOUS:
        return _deny("anonymous callers act for nobody")
    if _is_admin(actor):
        return _allow("admin")
    is_owner = actor.id == boxer.owner_id
    if is_owner and is_adult(boxer.date_of_birth, today):
        return _allow("the boxer itself (18 or over)")
    if boxer.is_active and MANAGE_SPARRING in _link_rights(actor, link, boxer):
        return _allow("coach with manage_sparring")
    if boxer.is_active and _owns_club(actor, boxer.club_id):
        return _allow("owner of the boxer's club")
    if is_owner:
        return _deny("a boxer under 18 is represented by its coach or club")
    return _deny("does not act for this boxer")


def decide_boxer_sparring(
    actor: UserFact | None, action: Action, boxer: BoxerFact | None, link: LinkFact | None, today: date
) -> Decision:
    """availability.view / availability.manage / sparring.request on one boxer."""
    seen = boxer_visibility(actor, boxer, link)
    if not seen.visible:
        return seen
    assert boxer is not None
    if not role_may(actor, action):
        return _deny(f"role {role_of(actor)} may not {action}", code=ROLE_NOT_ALLOWED)
    acting = acts_for(actor, boxer, link, today)
    if action == Action.AVAILABILITY_VIEW:
        if acting.allowed or is_adult(boxer.date_of_birth, today):
            return _allow(acting.reason if acting.allowed else "the boxer is 18 or over")
        assert actor is not None
        if actor.id == boxer.owner_id:
            return _allow("the boxer itself")
        if role_of(actor) in MINOR_AVAILABILITY_ROLES:
            return _allow(f"role {role_of(actor)} may see an under-18's availability")
        return _deny("an under-18's availability is shown to coaches, gym owners and its own side only")
    if action in (Action.AVAILABILITY_MANAGE, Action.SPARRING_REQUEST):
        return acting
    raise ValueError(f"{action} is not a boxer sparring action")


def decide_sparring(actor: UserFact | None, action: Action, sides: tuple[Decision, Decision]) -> Decision:
    """sparring.view / respond / cancel / complete on a loaded request (a SparringObject);
    `sides` are acts_for(actor, its from_boxer) and acts_for(actor, its to_boxer)."""
    acting_from, acting_to = sides
    if not (acting_from.allowed or acting_to.allowed) or not role_may(actor, action):
        return _hidden("does not act for either side")
    if action in (Action.SPARRING_VIEW, Action.SPARRING_COMPLETE):
        return _allow("acts for a side of the request")
    if action == Action.SPARRING_RESPOND:
        return _allow(acting_to.reason) if acting_to.allowed else _deny("only the requested side may respond")
    if action == Action.SPARRING_CANCEL:
        return (
            _allow(acting_from.reason)
            if acting_from.allowed
            else _deny("only the requesting side may cancel")
        )
    raise ValueError(f"{action} is not a sparring request action")


def decide_club_coach(actor: UserFact | None, action: Action, club_coach: ClubCoachObject) -> Decision:
    """club_coach.accept / decline / leave on a loaded club-coach row: the coach's own
    consent, so only that coach may (the club's owner and admins see the row: 403; anyone
    else: 404). The club's owner removes a coach with club.manage_members instead."""
    if action not in (Action.CLUB_COACH_ACCEPT, Action.CLUB_COACH_DECLINE, Action.CLUB_COACH_LEAVE):
        raise ValueError(f"{action} is not a club coach action")
    is_coach = actor is not None and role_of(actor) != ANONYMOUS and actor.id == club_coach.coach_id
    if not (is_coach or _is_admin(actor) or _owns_club(actor, club_coach.club_id)):
        return _hidden("not a party to this invitation")
    if not is_coach:
        return _deny("only the coach itself may accept, decline or leave")
    if not role_may(actor, action):
        return _deny(f"role {role_of(actor)} may not {action}", code=ROLE_NOT_ALLOWED)
    return _allow("the coach itself")
