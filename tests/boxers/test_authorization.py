"""Authorization tables: every boxers and coach-links endpoint x every kind of actor (pretix style).

Rows are (method, url, actor, expected_status); the boxer tables run once per profile state
(public, hidden = not searchable, deleted = soft-deleted).
"""

from functools import partial

import pytest

from boxers.models import Boxer, CoachLink, Fight
from tests.support import matrix
from tests.support.worlds import BOXER_ACTORS as ACTORS
from tests.support.worlds import build_world

BOXER = "/api/v1/boxers/{boxer}/"
LEAVE = "/api/v1/boxers/{boxer}/leave-club/"
FIGHTS = "/api/v1/boxers/{boxer}/fights/"
FIGHT = "/api/v1/boxers/{boxer}/fights/{fight}/"
LINKS = "/api/v1/coach-links/"
PENDING = "/api/v1/coach-links/{pending_link}/"
ACTIVE = "/api/v1/coach-links/{active_link}/"

PAYLOADS = {
    ("PATCH", BOXER): {"city": "Swansea"},
    ("POST", FIGHTS): {"opponent_name": "Rival", "date": "2024-03-02", "result": "loss"},
    ("PATCH", FIGHT): {"venue": "Newport Centre"},
    ("POST", "/api/v1/boxers/"): {"name": "New Profile"},
    ("POST", LINKS): {"boxer": "{boxer}", "rights": ["manage_fights"]},
    ("PATCH", PENDING): {"rights": ["manage_fights"]},
    ("PATCH", ACTIVE): {"rights": []},
}
VERIFY = {"is_verified": True}


rows = partial(matrix.rows, ACTORS)


def public_table():
    """A searchable profile: anyone reads it; the relationship decides writes."""
    return [
        *rows("GET", BOXER, 200, anonymous=200),
        *rows("PATCH", BOXER, 403, owner=200, coach_edit=200, club_owner=200, admin=200),
        *rows("PATCH", BOXER, 403, payload=VERIFY, admin=200),
        *rows("DELETE", BOXER, 403, owner=204, admin=204),
        *rows("POST", LEAVE, 403, owner=204, admin=204),
        *rows("GET", FIGHTS, 200, anonymous=200),
        *rows("POST", FIGHTS, 403, coach_fights=201, club_owner=201, admin=201),
        *rows("GET", FIGHT, 200, anonymous=200),
        *rows("PATCH", FIGHT, 403, coach_fights=200, club_owner=200, admin=200),
        *rows("DELETE", FIGHT, 403, coach_fights=204, club_owner=204, admin=204),
    ]


HIDDEN_FROM = ["anonymous", "other_boxer", "coach_pending", "coach_unrelated", "other_gym_owner"]


def hidden_table():
    """Not searchable: the public table, except a 404 for everyone who may not see it (an
    anonymous write stays 401: credentials are asked for before any object is looked up)."""
    table = []
    for method, url, actor, status, payload in public_table():
        hidden = actor in HIDDEN_FROM and status != 401
        table.append((method, url, actor, 404 if hidden else status, payload))
    return table


def deleted_table():
    """Soft-deleted: only the owner and admins see it; linked coaches and the club owner get
    404; anonymous writes are 401 as everywhere."""
    return [
        *rows("GET", BOXER, 404, anonymous=404, owner=200, admin=200),
        *rows("PATCH", BOXER, 404, owner=200, admin=200),
        *rows("PATCH", BOXER, 404, payload=VERIFY, owner=403, admin=200),
        *rows("DELETE", BOXER, 404, owner=204, admin=204),
        *rows("POST", LEAVE, 404, owner=204, admin=204),
        *rows("GET", FIGHTS, 404, anonymous=404, owner=200, admin=200),
        *rows("POST", FIGHTS, 404, owner=403, admin=201),
        *rows("GET", FIGHT, 404, anonymous=404, owner=200, admin=200),
        *rows("PATCH", FIGHT, 404, owner=403, admin=200),
        *rows("DELETE", FIGHT, 404, owner=403, admin=204),
    ]


PROFILE_TABLE = (
    [("public", *row) for row in public_table()]
    + [("hidden", *row) for row in hidden_table()]
    + [("deleted", *row) for row in deleted_table()]
)

# Endpoints whose answer does not depend on the target's state (run on a public profile).
COLLECTION_TABLE = [
    *rows("GET", "/api/v1/boxers/", 200, anonymous=200),
    # owner and other_boxer already have a profile; admins hold every role grant.
    *rows(
        "POST",
        "/api/v1/boxers/",
        403,
        owner=409,
        other_boxer=409,
        admin=201,
    ),
    *rows("GET", "/api/v1/boxers/me/", 404, owner=200, other_boxer=200),
    *rows("GET", LINKS, 200),
    # Coaches that already hold a link get 409; only coaches request (admins included: 403).
    *rows(
        "POST",
        LINKS,
        403,
        coach_edit=409,
        coach_fights=409,
        coach_norights=409,
        coach_pending=409,
        coach_unrelated=201,
    ),
]

# The pending link is coach_pending's, the active one coach_edit's. Non-parties get 404.
LINK_TABLE = [
    *rows("GET", PENDING, 404, owner=200, coach_pending=200, admin=200),
    *rows("PATCH", PENDING, 404, owner=200, coach_pending=403, admin=200),
    *rows("DELETE", PENDING, 404, owner=204, coach_pending=204, admin=204),
    *rows("POST", PENDING + "accept/", 404, owner=200, coach_pending=403, admin=200),
    *rows("POST", PENDING + "decline/", 404, owner=204, coach_pending=403, admin=204),
    *rows("GET", ACTIVE, 404, owner=200, coach_edit=200, admin=200),
    *rows("PATCH", ACTIVE, 404, owner=200, coach_edit=403, admin=200),
    *rows("DELETE", ACTIVE, 404, owner=204, coach_edit=204, admin=204),
    # Accepting or declining a link that is already active is a state conflict.
    *rows("POST", ACTIVE + "accept/", 404, owner=409, coach_edit=403, admin=409),
    *rows("POST", ACTIVE + "decline/", 404, owner=409, coach_edit=403, admin=409),
]

# A coach may request a link only to a profile it can see (an active link makes it visible).
LINK_REQUEST_TABLE = [
    *[
        ("hidden", *row)
        for row in rows(
            "POST",
            LINKS,
            403,
            coach_edit=409,
            coach_fights=409,
            coach_norights=409,
            coach_pending=404,
            coach_unrelated=404,
        )
    ],
    *[
        ("deleted", *row)
        for row in rows(
            "POST",
            LINKS,
            403,
            coach_edit=404,
            coach_fights=404,
            coach_norights=404,
            coach_pending=404,
            coach_unrelated=404,
        )
    ],
]


def fill(template, world):
    return template.format(
        boxer=world.boxer.pk,
        fight=world.fight.pk,
        pending_link=world.links["coach_pending"].pk,
        active_link=world.links["coach_edit"].pk,
    )


def call(client_for, world, method, url, actor, payload):
    body = payload if payload is not None else PAYLOADS.get((method, url))
    if body is not None:
        body = {k: fill(v, world) if isinstance(v, str) else v for k, v in body.items()}
    send = getattr(client_for(world.users[actor]), method.lower())
    return send(fill(url, world), body, format="json") if body is not None else send(fill(url, world))


def ids(table):
    """Readable test ids: state, method, url, actor, status (and the payload's keys)."""
    return [
        " ".join(str(p) if not isinstance(p, dict) else ",".join(p) for p in row if p is not None)
        for row in table
    ]


@pytest.mark.parametrize(
    ("state", "method", "url", "actor", "expected", "payload"), PROFILE_TABLE, ids=ids(PROFILE_TABLE)
)
def test_profile_endpoints(db, client_for, state, method, url, actor, expected, payload):
    world = build_world(state)

    response = call(client_for, world, method, url, actor, payload)

    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    ("method", "url", "actor", "expected", "payload"),
    COLLECTION_TABLE + LINK_TABLE,
    ids=ids(COLLECTION_TABLE + LINK_TABLE),
)
def test_collection_and_link_endpoints(db, client_for, method, url, actor, expected, payload):
    world = build_world("public")

    response = call(client_for, world, method, url, actor, payload)

    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    ("state", "method", "url", "actor", "expected", "payload"),
    LINK_REQUEST_TABLE,
    ids=ids(LINK_REQUEST_TABLE),
)
def test_link_request_on_invisible_profiles(db, client_for, state, method, url, actor, expected, payload):
    world = build_world(state)

    response = call(client_for, world, method, url, actor, payload)

    assert response.status_code == expected, response.content


def test_forbidden_writes_change_nothing(db, client_for):
    world = build_world("public")
    before = Boxer.objects.values().get(pk=world.boxer.pk)
    coach = client_for(world.users["coach_norights"])

    coach.patch(fill(BOXER, world), {"city": "Nowhere"}, format="json")
    coach.post(fill(FIGHTS, world), PAYLOADS[("POST", FIGHTS)], format="json")
    coach.patch(fill(PENDING, world), {"rights": ["edit_profile"]}, format="json")
    client_for(world.users["coach_pending"]).post(fill(PENDING + "accept/", world), {}, format="json")

    assert Boxer.objects.values().get(pk=world.boxer.pk) == before
    assert Fight.objects.filter(boxer=world.boxer).count() == 1
    assert CoachLink.objects.get(pk=world.links["coach_pending"].pk).status == "pending"
