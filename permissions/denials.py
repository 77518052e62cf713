"""A refusal in words a person can act on, with the code a client can branch on.

A Decision's `reason` is terse and meant for /permissions/check/ and logs ("role coach may not
membership.request"); a 403 body gets a sentence built here from the action, the caller's role
and the decision's code:

- `role_not_allowed`: the caller's role can never do this ("A coach account cannot request to
  join a club: only a user with a boxer profile can.");
- `boxer_profile_required`: the role could, but the caller has no boxer profile yet;
- `permission_denied`: the role could, the caller's relationship to this object does not
  allow it ("Only the club owner or an admin can manage this club's members.");
- `admin_only`: a field only an admin may change was sent.
"""

from permissions.actions import ANONYMOUS, Action
from permissions.facts import UserFact
from permissions.rules import BOXER_PROFILE_REQUIRED, ROLE_NOT_ALLOWED, Decision, role_of

ADMIN_ONLY = "admin_only"
PERMISSION_DENIED = "permission_denied"

# What each action does, after "cannot" / "can".
WHAT: dict[Action, str] = {
    Action.BOXER_VIEW: "view this boxer profile",
    Action.BOXER_CREATE: "create a boxer profile",
    Action.BOXER_UPDATE: "edit this boxer profile",
    Action.BOXER_DELETE: "delete this boxer profile",
    Action.BOXER_VERIFY: "verify boxer profiles",
    Action.BOXER_LEAVE_CLUB: "take this boxer out of its club",
    Action.FIGHT_MANAGE: "record, change or delete this boxer's fights",
    Action.COACH_LINK_VIEW: "view coach links",
    Action.COACH_LINK_REQUEST: "request a coach link",
    Action.COACH_LINK_RESPOND: "accept, decline or change the rights of this coach link",
    Action.COACH_LINK_REMOVE: "remove this coach link",
    Action.CLUB_VIEW: "view this club",
    Action.CLUB_VIEW_CONTACT: "see this club's contact details",
    Action.CLUB_CREATE: "create clubs",
    Action.CLUB_UPDATE: "edit this club",
    Action.CLUB_DELETE: "delete clubs",
    Action.CLUB_SET_OWNER: "change a club's owner",
    Action.CLUB_VIEW_MEMBERS: "see this club's members",
    Action.CLUB_MANAGE_MEMBERS: "manage this club's members",
    Action.MEMBERSHIP_REQUEST: "request to join a club",
    Action.MEMBERSHIP_VIEW: "view this membership request",
    Action.MEMBERSHIP_CANCEL: "cancel this membership request",
    Action.MEMBERSHIP_REVIEW: "approve or reject this membership request",
    Action.USER_MANAGE: "manage users",
    Action.STATS_VIEW: "see the statistics",
    Action.AVAILABILITY_VIEW: "see this boxer's availability",
    Action.AVAILABILITY_MANAGE: "change this boxer's availability",
    Action.SPARRING_REQUEST: "propose sparring for this boxer",
    Action.SPARRING_VIEW: "view this sparring request",
    Action.SPARRING_RESPOND: "accept or decline this sparring request",
    Action.SPARRING_CANCEL: "cancel this sparring request",
    Action.SPARRING_COMPLETE: "mark this sparring session completed",
    Action.CLUB_COACH_ACCEPT: "accept this invitation to coach at the club",
    Action.CLUB_COACH_DECLINE: "decline this invitation to coach at the club",
    Action.CLUB_COACH_LEAVE: "leave this club as its coach",
}

# Who acts for a boxer (permissions.rules.acts_for), in words.
ACTING_FOR = (
    "the boxer itself (18 or over), a coach with the manage_sparring right, the owner of the "
    "boxer's club or an admin"
)

# Who may (the rules in permissions/rules.py, in words).
WHO: dict[Action, str] = {
    Action.BOXER_VIEW: "the boxer, its linked coaches, the owner of its club or an admin",
    Action.BOXER_CREATE: "a user with role boxer",
    Action.BOXER_UPDATE: (
        "the boxer, a coach with the edit_profile right, the owner of the boxer's club or an admin"
    ),
    Action.BOXER_DELETE: "the boxer or an admin",
    Action.BOXER_VERIFY: "an admin",
    Action.BOXER_LEAVE_CLUB: "the boxer or an admin",
    Action.FIGHT_MANAGE: "a coach with the manage_fights right, the owner of the boxer's club or an admin",
    Action.COACH_LINK_VIEW: "the link's coach, the boxer or an admin",
    Action.COACH_LINK_REQUEST: "a coach",
    Action.COACH_LINK_RESPOND: "the boxer or an admin",
    Action.COACH_LINK_REMOVE: "the link's coach, the boxer or an admin",
    Action.CLUB_VIEW: "the club owner or an admin",
    Action.CLUB_VIEW_CONTACT: "the club owner or an admin",
    Action.CLUB_CREATE: "an admin",
    Action.CLUB_UPDATE: "the club owner or an admin",
    Action.CLUB_DELETE: "an admin",
    Action.CLUB_SET_OWNER: "an admin",
    Action.CLUB_VIEW_MEMBERS: "the club owner, the club's coaches and boxers, or an admin",
    Action.CLUB_MANAGE_MEMBERS: "the club owner or an admin",
    Action.MEMBERSHIP_REQUEST: "a user with a boxer profile",
    Action.MEMBERSHIP_VIEW: "the requester, the club owner or an admin",
    Action.MEMBERSHIP_CANCEL: "the user who made it",
    Action.MEMBERSHIP_REVIEW: "the club owner or an admin",
    Action.USER_MANAGE: "an admin",
    Action.STATS_VIEW: "an admin",
    Action.AVAILABILITY_VIEW: (
        "its own side, or a coach, a gym owner or an admin (for a boxer under 18); any signed-in user "
        "who can see the profile (18 or over)"
    ),
    Action.AVAILABILITY_MANAGE: ACTING_FOR,
    Action.SPARRING_REQUEST: ACTING_FOR,
    Action.SPARRING_VIEW: "those who act for either boxer",
    Action.SPARRING_RESPOND: "those who act for the requested boxer",
    Action.SPARRING_CANCEL: "those who act for the requesting boxer",
    Action.SPARRING_COMPLETE: "those who act for either boxer",
    Action.CLUB_COACH_ACCEPT: "the invited coach",
    Action.CLUB_COACH_DECLINE: "the invited coach",
    Action.CLUB_COACH_LEAVE: "the coach itself",
}

ROLE_NAMES = {
    "boxer": "boxer",
    "coach": "coach",
    "gym_owner": "gym owner",
    "admin": "admin",
    ANONYMOUS: "anonymous",
}


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def role_denial(action: Action, actor: UserFact | None) -> tuple[str, str]:
    """(detail, code) for a role that may never do `action`."""
    role = ROLE_NAMES.get(role_of(actor), role_of(actor))
    what = WHAT[action]
    if action == Action.FIGHT_MANAGE and role == "boxer":
        what = "record, change or delete fights, not even its own"
    return f"{_a(role).capitalize()} account cannot {what}: only {WHO[action]} can.", ROLE_NOT_ALLOWED


def denial(decision: Decision, action: Action, actor: UserFact | None) -> tuple[str, str]:
    """(detail, code) of the 403 for a visible object `decision` refused."""
    if decision.code == ROLE_NOT_ALLOWED:
        return role_denial(action, actor)
    if decision.code == BOXER_PROFILE_REQUIRED:
        return (
            "Only a user with a boxer profile can request to join a club: create one first "
            "(POST /api/v1/boxers/).",
            BOXER_PROFILE_REQUIRED,
        )
    return f"Only {WHO[action]} can {WHAT[action]}.", decision.code


def admin_only(fields: str) -> tuple[str, str]:
    """(detail, code) for a field only an admin may change, e.g. fields="is_verified"."""
    return f"Only an admin can change {fields}.", ADMIN_ONLY
