"""The decision table: every Action by role/relationship, pure rules, no database.

Each row is DESIGN.md's "Who may do what" table spelled out: `allow` (200), `deny` (a
visible object the actor may not change: 403) or `hidden` (the actor may not know it
exists: 404).
"""

import itertools
import uuid
from datetime import date

import pytest

from permissions.actions import RESOURCE_OF, Action
from permissions.facts import (
    BoxerFact,
    ClubCoachObject,
    ClubFact,
    CoachLinkObject,
    LinkFact,
    MembershipObject,
    UserFact,
)
from permissions.rules import (
    acts_for,
    decide_boxer,
    decide_boxer_sparring,
    decide_club,
    decide_club_coach,
    decide_coach_link,
    decide_global,
    decide_membership,
    decide_sparring,
    is_adult,
    years_before,
)

ALLOW, DENY, HIDDEN = "allow", "deny", "hidden"


def _id() -> str:
    return str(uuid.uuid4())


CLUB = _id()
OTHER_CLUB = _id()
BOXER = _id()


def user(role, *, active=True, boxer_id=None, boxer_club_id=None, coach_club_id=None, owns=()):
    return UserFact(
        id=_id(),
        role=role,
        is_active=active,
        token_version=0,
        boxer_id=boxer_id,
        boxer_club_id=boxer_club_id,
        coach_club_id=coach_club_id,
        owned_club_ids=tuple(owns),
    )


# --- Boxer actions --------------------------------------------------------------------

OWNER = user("boxer", boxer_id=BOXER, boxer_club_id=CLUB)
BOXER_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "owner": OWNER,
    "other boxer": user("boxer", boxer_id=_id()),
    "coach edit_profile": user("coach"),
    "coach manage_fights": user("coach"),
    "coach no rights": user("coach"),
    "coach pending link": user("coach"),
    "coach unlinked": user("coach"),
    "coach of the club": user("coach", coach_club_id=CLUB),
    "club owner": user("gym_owner", owns=[CLUB]),
    "other gym owner": user("gym_owner", owns=[OTHER_CLUB]),
    "inactive owner": OWNER.__class__(**{**OWNER.to_json(), "is_active": False, "owned_club_ids": ()}),
    "inactive admin": user("admin", active=False),
    "inactive club owner": user("gym_owner", active=False, owns=[CLUB]),
    "inactive coach edit_profile": user("coach", active=False),
}
LINKS = {
    "coach edit_profile": ("active", ("edit_profile",)),
    "coach manage_fights": ("active", ("manage_fights",)),
    "coach no rights": ("active", ()),
    "coach pending link": ("pending", ("edit_profile", "manage_fights")),
    "inactive coach edit_profile": ("active", ("edit_profile",)),
}


def boxer_fact(state: str) -> BoxerFact:
    return BoxerFact(
        id=BOXER,
        owner_id=OWNER.id,
        club_id=CLUB,
        is_searchable=state != "hidden",
        is_active=state != "deleted",
        owner_active=True,
    )


def same(states, allowed: set) -> dict:
    return {state: allowed for state in states}


def link_for(name: str, actor: UserFact | None) -> LinkFact | None:
    if actor is None:
        return None
    status, rights = LINKS.get(name, (None, ()))
    return LinkFact(coach_id=actor.id, boxer_id=BOXER, status=status, rights=rights)


EVERYONE = set(BOXER_ACTORS)
ACTIVE_LINK_COACHES = {"coach edit_profile", "coach manage_fights", "coach no rights"}
ALL_COACHES = ACTIVE_LINK_COACHES | {"coach pending link", "coach unlinked", "coach of the club"}

# Who may see the profile, by state (DESIGN.md: boxer.view rows). Inactive users are anonymous.
BOXER_VIEWERS = {
    "public": EVERYONE,
    "hidden": {"owner", "admin", "club owner"} | ACTIVE_LINK_COACHES,
    "deleted": {"owner", "admin"},
}
# Who is allowed, by (action, state); everyone else visible gets 403, invisible 404.
BOXER_ALLOWED = {
    Action.BOXER_VIEW: BOXER_VIEWERS,
    Action.BOXER_UPDATE: {
        "public": {"owner", "coach edit_profile", "club owner", "admin"},
        "hidden": {"owner", "coach edit_profile", "club owner", "admin"},
        "deleted": {"owner", "admin"},
    },
    Action.BOXER_DELETE: same(BOXER_VIEWERS, {"owner", "admin"}),
    Action.BOXER_LEAVE_CLUB: same(BOXER_VIEWERS, {"owner", "admin"}),
    Action.BOXER_VERIFY: same(BOXER_VIEWERS, {"admin"}),
    Action.FIGHT_MANAGE: {
        "public": {"coach manage_fights", "club owner", "admin"},
        "hidden": {"coach manage_fights", "club owner", "admin"},
        "deleted": {"admin"},
    },
    Action.COACH_LINK_REQUEST: {
        "public": ALL_COACHES,
        "hidden": ACTIVE_LINK_COACHES,
        "deleted": set(),
    },
}

BOXER_ROWS = [
    (action, state, name)
    for action, by_state in BOXER_ALLOWED.items()
    for state in BOXER_VIEWERS
    for name in BOXER_ACTORS
]


def expected(allowed: set, viewers: set, name: str) -> str:
    if name in allowed:
        return ALLOW
    return DENY if name in viewers else HIDDEN


def outcome(decision) -> str:
    if decision.allowed:
        assert decision.visible
        return ALLOW
    return DENY if decision.visible else HIDDEN


@pytest.mark.parametrize(("action", "state", "name"), BOXER_ROWS)
def test_boxer_decision_table(action, state, name):
    actor = BOXER_ACTORS[name]
    want = expected(BOXER_ALLOWED[action][state], BOXER_VIEWERS[state], name)

    decision = decide_boxer(actor, action, boxer_fact(state), link_for(name, actor))

    assert outcome(decision) == want, decision.reason
    assert decision.reason


def test_a_missing_boxer_is_hidden_from_everyone_including_admins():
    for action, actor in itertools.product(BOXER_ALLOWED, BOXER_ACTORS.values()):
        decision = decide_boxer(actor, action, None, None)

        assert outcome(decision) == HIDDEN


def test_a_link_to_another_boxer_or_of_another_coach_grants_nothing():
    coach = BOXER_ACTORS["coach edit_profile"]
    elsewhere = LinkFact(coach_id=coach.id, boxer_id=_id(), status="active", rights=("edit_profile",))
    someone_elses = LinkFact(coach_id=_id(), boxer_id=BOXER, status="active", rights=("edit_profile",))

    for link in (elsewhere, someone_elses):
        assert outcome(decide_boxer(coach, Action.BOXER_UPDATE, boxer_fact("public"), link)) == DENY
        assert outcome(decide_boxer(coach, Action.BOXER_VIEW, boxer_fact("hidden"), link)) == HIDDEN


def test_a_searchable_profile_of_a_deactivated_user_is_not_public():
    boxer = BoxerFact(BOXER, OWNER.id, CLUB, is_searchable=True, is_active=True, owner_active=False)

    assert outcome(decide_boxer(None, Action.BOXER_VIEW, boxer, None)) == HIDDEN
    assert outcome(decide_boxer(BOXER_ACTORS["admin"], Action.BOXER_VIEW, boxer, None)) == ALLOW


# --- Club actions ---------------------------------------------------------------------

CLUB_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "club owner": user("gym_owner", owns=[CLUB]),
    "other gym owner": user("gym_owner", owns=[OTHER_CLUB]),
    "coach of the club": user("coach", coach_club_id=CLUB),
    "coach elsewhere": user("coach", coach_club_id=OTHER_CLUB),
    "boxer in the club": user("boxer", boxer_id=_id(), boxer_club_id=CLUB),
    "boxer elsewhere": user("boxer", boxer_id=_id(), boxer_club_id=OTHER_CLUB),
    "boxer without club": user("boxer", boxer_id=_id()),
    "boxer without profile": user("boxer"),
    "inactive club owner": user("gym_owner", active=False, owns=[CLUB]),
    "inactive admin": user("admin", active=False),
    "inactive boxer in the club": user("boxer", active=False, boxer_id=_id(), boxer_club_id=CLUB),
}
CLUB_EVERYONE = set(CLUB_ACTORS)
CLUB_VIEWERS = {
    "published": CLUB_EVERYONE,
    "published, closed": CLUB_EVERYONE,
    "unpublished": {"club owner", "admin"},
}
WITH_PROFILE = {"boxer in the club", "boxer elsewhere", "boxer without club"}
CLUB_ALLOWED = {
    Action.CLUB_VIEW: CLUB_VIEWERS,
    Action.CLUB_VIEW_CONTACT: same(CLUB_VIEWERS, {"club owner", "admin"}),
    Action.CLUB_UPDATE: same(CLUB_VIEWERS, {"club owner", "admin"}),
    Action.CLUB_DELETE: same(CLUB_VIEWERS, {"admin"}),
    Action.CLUB_SET_OWNER: same(CLUB_VIEWERS, {"admin"}),
    Action.CLUB_VIEW_MEMBERS: {
        "published": {"club owner", "coach of the club", "boxer in the club", "admin"},
        "published, closed": {"club owner", "coach of the club", "boxer in the club", "admin"},
        "unpublished": {"club owner", "admin"},
    },
    Action.CLUB_MANAGE_MEMBERS: same(CLUB_VIEWERS, {"club owner", "admin"}),
    Action.MEMBERSHIP_REQUEST: {
        "published": WITH_PROFILE,
        "published, closed": set(),
        "unpublished": set(),
    },
}


def club_fact(state: str) -> ClubFact:
    owner = CLUB_ACTORS["club owner"].id
    return ClubFact(
        id=CLUB,
        owner_id=owner,
        is_published=state != "unpublished",
        accepting_members=state != "published, closed",
    )


CLUB_ROWS = [
    (action, state, name) for action in CLUB_ALLOWED for state in CLUB_VIEWERS for name in CLUB_ACTORS
]


@pytest.mark.parametrize(("action", "state", "name"), CLUB_ROWS)
def test_club_decision_table(action, state, name):
    want = expected(CLUB_ALLOWED[action][state], CLUB_VIEWERS[state], name)

    decision = decide_club(CLUB_ACTORS[name], action, club_fact(state))

    assert outcome(decision) == want, decision.reason
    assert decision.reason


# --- Coach links (checked on the loaded link) -----------------------------------------

LINK_COACH = user("coach")
LINK_BOXER_OWNER = user("boxer", boxer_id=BOXER, boxer_club_id=CLUB)
LINK = CoachLinkObject(coach_id=LINK_COACH.id, boxer_owner_id=LINK_BOXER_OWNER.id)
LINK_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "the link's coach": LINK_COACH,
    "the boxer's owner": LINK_BOXER_OWNER,
    "another coach": user("coach"),
    "another boxer": user("boxer", boxer_id=_id()),
    "owner of the boxer's club": user("gym_owner", owns=[CLUB]),
    "inactive link coach": LINK_COACH.__class__(**{**LINK_COACH.to_json(), "is_active": False}),
    "inactive admin": user("admin", active=False),
}
LINK_PARTIES = {"admin", "the link's coach", "the boxer's owner"}
LINK_ALLOWED = {
    Action.COACH_LINK_VIEW: LINK_PARTIES,
    Action.COACH_LINK_RESPOND: {"the boxer's owner", "admin"},
    Action.COACH_LINK_REMOVE: LINK_PARTIES,
}


@pytest.mark.parametrize(("action", "name"), list(itertools.product(LINK_ALLOWED, LINK_ACTORS)))
def test_coach_link_decision_table(action, name):
    want = expected(LINK_ALLOWED[action], LINK_PARTIES, name)

    decision = decide_coach_link(LINK_ACTORS[name], action, LINK)

    assert outcome(decision) == want, decision.reason


# --- Membership requests (checked on the loaded request) ------------------------------

REQUESTER = user("boxer", boxer_id=_id())
REQ_CLUB_OWNER = user("gym_owner", owns=[CLUB])
MEMBERSHIP = MembershipObject(requester_id=REQUESTER.id, club_owner_id=REQ_CLUB_OWNER.id, status="pending")
MEMBERSHIP_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "the requester": REQUESTER,
    "the club's owner": REQ_CLUB_OWNER,
    "another gym owner": user("gym_owner", owns=[OTHER_CLUB]),
    "another boxer": user("boxer", boxer_id=_id()),
    "a coach of the club": user("coach", coach_club_id=CLUB),
    "inactive requester": REQUESTER.__class__(**{**REQUESTER.to_json(), "is_active": False}),
    "inactive club owner": REQ_CLUB_OWNER.__class__(**{**REQ_CLUB_OWNER.to_json(), "is_active": False}),
}
MEMBERSHIP_PARTIES = {"admin", "the requester", "the club's owner"}
MEMBERSHIP_ALLOWED = {
    Action.MEMBERSHIP_VIEW: MEMBERSHIP_PARTIES,
    Action.MEMBERSHIP_CANCEL: {"the requester"},
    Action.MEMBERSHIP_REVIEW: {"the club's owner", "admin"},
}


@pytest.mark.parametrize(("action", "name"), list(itertools.product(MEMBERSHIP_ALLOWED, MEMBERSHIP_ACTORS)))
def test_membership_decision_table(action, name):
    want = expected(MEMBERSHIP_ALLOWED[action], MEMBERSHIP_PARTIES, name)

    decision = decide_membership(MEMBERSHIP_ACTORS[name], action, MEMBERSHIP)

    assert outcome(decision) == want, decision.reason


def test_a_request_of_a_club_without_owner_is_seen_by_requester_and_admin_only():
    orphan = MembershipObject(requester_id=REQUESTER.id, club_owner_id=None, status="pending")

    seen = {
        name
        for name, actor in MEMBERSHIP_ACTORS.items()
        if decide_membership(actor, Action.MEMBERSHIP_VIEW, orphan).visible
    }

    assert seen == {"admin", "the requester"}


# --- Club coach rows: invitations and active coaches (checked on the loaded row) -------

INVITED = user("coach")
ROW_CLUB_OWNER = user("gym_owner", owns=[CLUB])
CLUB_COACH_ROWS = {
    "invited": ClubCoachObject(coach_id=INVITED.id, club_id=CLUB, status="invited"),
    "active": ClubCoachObject(coach_id=INVITED.id, club_id=CLUB, status="active"),
}
CLUB_COACH_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "the coach": INVITED,
    "the club's owner": ROW_CLUB_OWNER,
    "another coach": user("coach"),
    "another coach of the club": user("coach", coach_club_id=CLUB),
    "another gym owner": user("gym_owner", owns=[OTHER_CLUB]),
    "a boxer of the club": user("boxer", boxer_id=_id(), boxer_club_id=CLUB),
    "the coach, deactivated": INVITED.__class__(**{**INVITED.to_json(), "is_active": False}),
    "the coach, now a boxer": INVITED.__class__(**{**INVITED.to_json(), "role": "boxer"}),
}
# The coach's own consent: the club's owner and admins see the row but may not answer for it.
CLUB_COACH_PARTIES = {"admin", "the coach", "the club's owner", "the coach, now a boxer"}
CLUB_COACH_ALLOWED = {
    Action.CLUB_COACH_ACCEPT: {"the coach"},
    Action.CLUB_COACH_DECLINE: {"the coach"},
    Action.CLUB_COACH_LEAVE: {"the coach"},
}


@pytest.mark.parametrize(
    ("action", "row", "name"), list(itertools.product(CLUB_COACH_ALLOWED, CLUB_COACH_ROWS, CLUB_COACH_ACTORS))
)
def test_club_coach_decision_table(action, row, name):
    want = expected(CLUB_COACH_ALLOWED[action], CLUB_COACH_PARTIES, name)

    decision = decide_club_coach(CLUB_COACH_ACTORS[name], action, CLUB_COACH_ROWS[row])

    assert outcome(decision) == want, decision.reason


def test_an_invitation_grants_nothing_until_accepted():
    """The user fact names a club it coaches at only for an accepted row (facts.py), so an
    invited coach is any coach to the club's rules."""
    invited, coaching = user("coach"), user("coach", coach_club_id=CLUB)

    seen = [
        decide_club(actor, Action.CLUB_VIEW_MEMBERS, club_fact("published")) for actor in (invited, coaching)
    ]

    assert [outcome(decision) for decision in seen] == [DENY, ALLOW]


# --- Actions on no object -------------------------------------------------------------

GLOBAL_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "boxer": user("boxer"),
    "coach": user("coach"),
    "gym owner": user("gym_owner"),
    "inactive admin": user("admin", active=False),
}
GLOBAL_ALLOWED = {
    Action.CLUB_CREATE: {"admin"},
    Action.USER_MANAGE: {"admin"},
    Action.STATS_VIEW: {"admin"},
    Action.BOXER_CREATE: {"boxer", "admin"},
}


@pytest.mark.parametrize(("action", "name"), list(itertools.product(GLOBAL_ALLOWED, GLOBAL_ACTORS)))
def test_global_decision_table(action, name):
    decision = decide_global(GLOBAL_ACTORS[name], action)

    assert decision.allowed == (name in GLOBAL_ALLOWED[action]), decision.reason


# --- Sparring: "acts for" a boxer (availability, requests) --------------------------------

TODAY = date(2026, 6, 15)
ADULT_DOB, MINOR_DOB = "2000-01-01", "2010-06-16"  # 26, and 15 until tomorrow
SPARRING_COACH = user("coach")
SPARRING_ACTORS = {
    **BOXER_ACTORS,
    "coach manage_sparring": SPARRING_COACH,
    "coach pending manage_sparring": user("coach"),
    "inactive coach manage_sparring": SPARRING_COACH.__class__(
        **{**SPARRING_COACH.to_json(), "is_active": False}
    ),
}
SPARRING_LINKS = {
    **LINKS,
    "coach manage_sparring": ("active", ("manage_sparring",)),
    "coach pending manage_sparring": ("pending", ("manage_sparring",)),
    "inactive coach manage_sparring": ("active", ("manage_sparring",)),
}
# state → (visibility state of the profile, date of birth)
SPARRING_STATES = {
    "public adult": ("public", ADULT_DOB),
    "public, no date of birth": ("public", None),
    "public minor": ("public", MINOR_DOB),
    "hidden minor": ("hidden", MINOR_DOB),
    "deleted adult": ("deleted", ADULT_DOB),
    "deleted minor": ("deleted", MINOR_DOB),
}
SPARRING_VIEWERS = {
    "public": set(SPARRING_ACTORS),
    "hidden": BOXER_VIEWERS["hidden"] | {"coach manage_sparring"},
    "deleted": BOXER_VIEWERS["deleted"],
}
ACTING = {
    "public adult": {"owner", "coach manage_sparring", "club owner", "admin"},
    "public, no date of birth": {"owner", "coach manage_sparring", "club owner", "admin"},
    "public minor": {"coach manage_sparring", "club owner", "admin"},
    "hidden minor": {"coach manage_sparring", "club owner", "admin"},
    "deleted adult": {"owner", "admin"},
    "deleted minor": {"admin"},
}
SIGNED_IN = {name for name, actor in SPARRING_ACTORS.items() if actor is not None and actor.is_active}
MINOR_ROLES = {name for name in SIGNED_IN if SPARRING_ACTORS[name].role in ("coach", "gym_owner", "admin")}
BOXER_SPARRING_ALLOWED = {
    # An adult's availability: every signed-in caller who sees the profile; an under-18's:
    # its own user, those who act for it, and coaches, gym owners and admins.
    Action.AVAILABILITY_VIEW: {
        state: (
            SIGNED_IN & SPARRING_VIEWERS[visibility]
            if dob != MINOR_DOB
            else (ACTING[state] | {"owner"} | MINOR_ROLES) & SPARRING_VIEWERS[visibility]
        )
        for state, (visibility, dob) in SPARRING_STATES.items()
    },
    Action.AVAILABILITY_MANAGE: ACTING,
    Action.SPARRING_REQUEST: ACTING,
}


def sparring_boxer(state: str, boxer_id: str = BOXER) -> BoxerFact:
    visibility, dob = SPARRING_STATES[state]
    return BoxerFact(
        id=boxer_id,
        owner_id=OWNER.id,
        club_id=CLUB,
        is_searchable=visibility != "hidden",
        is_active=visibility != "deleted",
        owner_active=True,
        date_of_birth=dob,
    )


def sparring_link(name: str, actor: UserFact | None, boxer_id: str = BOXER) -> LinkFact | None:
    if actor is None:
        return None
    status, rights = SPARRING_LINKS.get(name, (None, ()))
    return LinkFact(coach_id=actor.id, boxer_id=boxer_id, status=status, rights=rights)


@pytest.mark.parametrize(
    ("action", "state", "name"),
    list(itertools.product(BOXER_SPARRING_ALLOWED, SPARRING_STATES, SPARRING_ACTORS)),
)
def test_boxer_sparring_decision_table(action, state, name):
    actor = SPARRING_ACTORS[name]
    viewers = SPARRING_VIEWERS[SPARRING_STATES[state][0]]
    want = expected(BOXER_SPARRING_ALLOWED[action][state], viewers, name)

    decision = decide_boxer_sparring(actor, action, sparring_boxer(state), sparring_link(name, actor), TODAY)

    assert outcome(decision) == want, decision.reason


def test_a_boxer_acts_for_itself_from_its_eighteenth_birthday():
    turns_18_today = years_before(TODAY, 18).isoformat()
    turns_18_tomorrow = date(TODAY.year - 18, TODAY.month, TODAY.day + 1).isoformat()

    assert is_adult(turns_18_today, TODAY)
    assert not is_adult(turns_18_tomorrow, TODAY)
    # Born on 29 February: 18 on 1 March in a common year (as UK law counts it).
    assert not is_adult("2008-02-29", date(2026, 2, 28))
    assert is_adult("2008-02-29", date(2026, 3, 1))
    assert is_adult("2010-02-28", date(2028, 2, 29))  # 18 the day before, in a leap year


# A request from boxer A (owned by A_OWNER, adult) to boxer B (owned by B_OWNER, adult, in
# CLUB): who sees it, who answers, who cancels, who completes.
A_BOXER, B_BOXER = _id(), _id()
A_OWNER = user("boxer", boxer_id=A_BOXER)
B_OWNER = user("boxer", boxer_id=B_BOXER, boxer_club_id=CLUB)
A_COACH = user("coach")
REQUEST_ACTORS = {
    "anonymous": None,
    "admin": user("admin"),
    "requesting boxer": A_OWNER,
    "requested boxer": B_OWNER,
    "requesting coach (manage_sparring)": A_COACH,
    "requested club's owner": user("gym_owner", owns=[CLUB]),
    "coach without manage_sparring": user("coach"),
    "unrelated boxer": user("boxer", boxer_id=_id()),
    "other gym owner": user("gym_owner", owns=[OTHER_CLUB]),
    "inactive requesting boxer": A_OWNER.__class__(**{**A_OWNER.to_json(), "is_active": False}),
}
REQUEST_FROM = {"requesting boxer", "requesting coach (manage_sparring)", "admin"}
REQUEST_TO = {"requested boxer", "requested club's owner", "admin"}
REQUEST_PARTIES = REQUEST_FROM | REQUEST_TO
SPARRING_ALLOWED = {
    Action.SPARRING_VIEW: REQUEST_PARTIES,
    Action.SPARRING_RESPOND: REQUEST_TO,
    Action.SPARRING_CANCEL: REQUEST_FROM,
    Action.SPARRING_COMPLETE: REQUEST_PARTIES,
}


def request_sides(name: str):
    actor = REQUEST_ACTORS[name]
    a = BoxerFact(A_BOXER, A_OWNER.id, None, True, True, True, ADULT_DOB)
    b = BoxerFact(B_BOXER, B_OWNER.id, CLUB, True, True, True, ADULT_DOB)
    # (rights on A, rights on B) of an active link; None: no link
    rights = {
        "requesting coach (manage_sparring)": (("manage_sparring",), None),
        "coach without manage_sparring": (("edit_profile", "manage_fights"), ("manage_fights",)),
    }.get(name, (None, None))
    links = [
        None if actor is None else LinkFact(actor.id, boxer.id, None if r is None else "active", r or ())
        for boxer, r in zip((a, b), rights, strict=True)
    ]
    return actor, (acts_for(actor, a, links[0], TODAY), acts_for(actor, b, links[1], TODAY))


@pytest.mark.parametrize(("action", "name"), list(itertools.product(SPARRING_ALLOWED, REQUEST_ACTORS)))
def test_sparring_request_decision_table(action, name):
    actor, sides = request_sides(name)
    want = expected(SPARRING_ALLOWED[action], REQUEST_PARTIES, name)

    decision = decide_sparring(actor, action, sides)

    assert outcome(decision) == want, decision.reason


def test_the_tables_cover_every_action_exactly_once():
    tables = [
        BOXER_ALLOWED,
        CLUB_ALLOWED,
        LINK_ALLOWED,
        MEMBERSHIP_ALLOWED,
        CLUB_COACH_ALLOWED,
        GLOBAL_ALLOWED,
        BOXER_SPARRING_ALLOWED,
        SPARRING_ALLOWED,
    ]

    covered = [action for table in tables for action in table]

    assert sorted(covered) == sorted(Action)
    assert {RESOURCE_OF[a] for a in [*BOXER_ALLOWED, *BOXER_SPARRING_ALLOWED]} == {"boxer"}
    assert {RESOURCE_OF[a] for a in SPARRING_ALLOWED} == {"sparring_request"}
    assert {RESOURCE_OF[a] for a in CLUB_ALLOWED} == {"club"}


def test_a_closed_club_refuses_membership_with_its_own_code_only_to_boxers_with_a_profile():
    boxer_with_profile = user("boxer", boxer_id=_id())
    boxer_without_profile = user("boxer")
    coach = user("coach")

    closed = decide_club(boxer_with_profile, Action.MEMBERSHIP_REQUEST, club_fact("published, closed"))
    no_profile = decide_club(boxer_without_profile, Action.MEMBERSHIP_REQUEST, club_fact("published, closed"))
    not_a_boxer = decide_club(coach, Action.MEMBERSHIP_REQUEST, club_fact("published, closed"))

    assert (closed.allowed, closed.code) == (False, "not_accepting_members")
    assert (no_profile.allowed, no_profile.code) == (False, "boxer_profile_required")
    assert (not_a_boxer.allowed, not_a_boxer.code) == (False, "role_not_allowed")
