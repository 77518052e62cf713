"""The vocabulary of authorization: every action, and which roles may ever attempt it."""

from enum import StrEnum


class Action(StrEnum):
    BOXER_VIEW = "boxer.view"
    BOXER_CREATE = "boxer.create"
    BOXER_UPDATE = "boxer.update"
    BOXER_DELETE = "boxer.delete"
    BOXER_VERIFY = "boxer.verify"
    BOXER_LEAVE_CLUB = "boxer.leave_club"
    FIGHT_MANAGE = "fight.manage"
    COACH_LINK_VIEW = "coach_link.view"
    COACH_LINK_REQUEST = "coach_link.request"
    COACH_LINK_RESPOND = "coach_link.respond"
    COACH_LINK_REMOVE = "coach_link.remove"
    CLUB_VIEW = "club.view"
    CLUB_VIEW_CONTACT = "club.view_contact"
    CLUB_CREATE = "club.create"
    CLUB_UPDATE = "club.update"
    CLUB_DELETE = "club.delete"
    CLUB_SET_OWNER = "club.set_owner"
    CLUB_VIEW_MEMBERS = "club.view_members"
    CLUB_MANAGE_MEMBERS = "club.manage_members"
    MEMBERSHIP_REQUEST = "membership.request"
    MEMBERSHIP_VIEW = "membership.view"
    MEMBERSHIP_CANCEL = "membership.cancel"
    MEMBERSHIP_REVIEW = "membership.review"
    USER_MANAGE = "user.manage"
    STATS_VIEW = "stats.view"
    AVAILABILITY_VIEW = "availability.view"
    AVAILABILITY_MANAGE = "availability.manage"
    SPARRING_REQUEST = "sparring.request"
    SPARRING_VIEW = "sparring.view"
    SPARRING_RESPOND = "sparring.respond"
    SPARRING_CANCEL = "sparring.cancel"
    SPARRING_COMPLETE = "sparring.complete"
    CLUB_COACH_ACCEPT = "club_coach.accept"
    CLUB_COACH_DECLINE = "club_coach.decline"
    CLUB_COACH_LEAVE = "club_coach.leave"


# Which resource an action is checked on (the /permissions/check/ endpoint and the DRF
# permission class use this); None = no resource (role-only actions).
RESOURCE_OF: dict[Action, str | None] = {
    Action.BOXER_VIEW: "boxer",
    Action.BOXER_CREATE: None,
    Action.BOXER_UPDATE: "boxer",
    Action.BOXER_DELETE: "boxer",
    Action.BOXER_VERIFY: "boxer",
    Action.BOXER_LEAVE_CLUB: "boxer",
    Action.FIGHT_MANAGE: "boxer",
    Action.COACH_LINK_VIEW: "coach_link",
    Action.COACH_LINK_REQUEST: "boxer",
    Action.COACH_LINK_RESPOND: "coach_link",
    Action.COACH_LINK_REMOVE: "coach_link",
    Action.CLUB_VIEW: "club",
    Action.CLUB_VIEW_CONTACT: "club",
    Action.CLUB_CREATE: None,
    Action.CLUB_UPDATE: "club",
    Action.CLUB_DELETE: "club",
    Action.CLUB_SET_OWNER: "club",
    Action.CLUB_VIEW_MEMBERS: "club",
    Action.CLUB_MANAGE_MEMBERS: "club",
    Action.MEMBERSHIP_REQUEST: "club",
    Action.MEMBERSHIP_VIEW: "membership",
    Action.MEMBERSHIP_CANCEL: "membership",
    Action.MEMBERSHIP_REVIEW: "membership",
    Action.USER_MANAGE: None,
    Action.STATS_VIEW: None,
    Action.AVAILABILITY_VIEW: "boxer",
    Action.AVAILABILITY_MANAGE: "boxer",
    Action.SPARRING_REQUEST: "boxer",  # checked on the requesting boxer (from_boxer)
    Action.SPARRING_VIEW: "sparring_request",
    Action.SPARRING_RESPOND: "sparring_request",
    Action.SPARRING_CANCEL: "sparring_request",
    Action.SPARRING_COMPLETE: "sparring_request",
    Action.CLUB_COACH_ACCEPT: "club_coach",
    Action.CLUB_COACH_DECLINE: "club_coach",
    Action.CLUB_COACH_LEAVE: "club_coach",
}

# Everything a user who may act for a boxer (permissions.rules.acts_for) may attempt.
_SPARRING = {
    Action.AVAILABILITY_VIEW,
    Action.AVAILABILITY_MANAGE,
    Action.SPARRING_REQUEST,
    Action.SPARRING_VIEW,
    Action.SPARRING_RESPOND,
    Action.SPARRING_CANCEL,
    Action.SPARRING_COMPLETE,
}

ANONYMOUS = "anonymous"

_PUBLIC = {Action.BOXER_VIEW, Action.CLUB_VIEW}

# Role → every action a role may ever attempt (the relationship rules then decide).
ROLE_GRANTS: dict[str, frozenset[Action]] = {
    ANONYMOUS: frozenset(_PUBLIC),
    "boxer": frozenset(
        _PUBLIC
        | {
            Action.BOXER_CREATE,
            Action.BOXER_UPDATE,
            Action.BOXER_DELETE,
            Action.BOXER_LEAVE_CLUB,
            Action.COACH_LINK_VIEW,
            Action.COACH_LINK_RESPOND,
            Action.COACH_LINK_REMOVE,
            Action.CLUB_VIEW_MEMBERS,
            Action.MEMBERSHIP_REQUEST,
            Action.MEMBERSHIP_VIEW,
            Action.MEMBERSHIP_CANCEL,
        }
        | _SPARRING
    ),
    "coach": frozenset(
        _PUBLIC
        | _SPARRING
        | {
            Action.BOXER_UPDATE,
            Action.FIGHT_MANAGE,
            Action.COACH_LINK_VIEW,
            Action.COACH_LINK_REQUEST,
            Action.COACH_LINK_REMOVE,
            Action.CLUB_VIEW_MEMBERS,
            Action.CLUB_COACH_ACCEPT,
            Action.CLUB_COACH_DECLINE,
            Action.CLUB_COACH_LEAVE,
        }
    ),
    "gym_owner": frozenset(
        _PUBLIC
        | _SPARRING
        | {
            Action.BOXER_UPDATE,
            Action.FIGHT_MANAGE,
            Action.CLUB_VIEW_CONTACT,
            Action.CLUB_UPDATE,
            Action.CLUB_VIEW_MEMBERS,
            Action.CLUB_MANAGE_MEMBERS,
            Action.MEMBERSHIP_VIEW,
            Action.MEMBERSHIP_REVIEW,
        }
    ),
    "admin": frozenset(Action),
}
