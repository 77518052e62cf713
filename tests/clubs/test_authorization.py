"""Authorization table: every clubs endpoint by every kind of actor (pretix style)."""

from functools import partial

import pytest

from tests.support import matrix
from tests.support.worlds import CLUB_ACTORS as ACTORS

ANON = "anonymous"


rows = partial(matrix.rows, ACTORS)


OWNER_ADMIN = {"owner": 200, "admin": 200}
HIDDEN_OWNER_ADMIN = {"owner": 200, "admin": 200}
MEMBERS = {"boxer_in": 200, "coach_in": 200, "owner": 200, "admin": 200}  # not coach_invited
OTHER_PARTIES = {"owner": 403, "admin": 403}  # parties to an invitation other than its coach

TABLE = [
    *rows("GET", "/api/v1/clubs/", 200, anonymous=200),
    *rows("POST", "/api/v1/clubs/", 403, payload={"name": "New ABC", "region": "East"}, admin=201),
    *rows("GET", "/api/v1/clubs/regions/", 200, anonymous=200),
    *rows("GET", "/api/v1/clubs/mine/", 200),
    *rows("GET", "/api/v1/clubs/{club}/", 200, anonymous=200),
    *rows("GET", "/api/v1/clubs/{hidden}/", 404, anonymous=404, **HIDDEN_OWNER_ADMIN),
    *rows("PATCH", "/api/v1/clubs/{club}/", 403, payload={"description": "Open nightly"}, **OWNER_ADMIN),
    *rows("PATCH", "/api/v1/clubs/{hidden}/", 404, payload={"city": "Bangor"}, **OWNER_ADMIN),
    *rows("PATCH", "/api/v1/clubs/{club}/", 403, payload={"is_verified": True}, admin=200),
    *rows("PATCH", "/api/v1/clubs/{club}/", 403, payload={"owner": "{other_owner}"}, admin=200),
    *rows("DELETE", "/api/v1/clubs/{club}/", 403, admin=204),
    *rows("DELETE", "/api/v1/clubs/{hidden}/", 404, admin=204, owner=403),
    *rows("PUT", "/api/v1/clubs/{club}/owner/", 403, payload={"user": "{other_owner}"}, admin=200),
    *rows(
        "PUT",
        "/api/v1/clubs/{hidden}/owner/",
        404,
        payload={"user": "{other_owner}"},
        admin=200,
        owner=403,
    ),
    *rows("GET", "/api/v1/clubs/{club}/members/", 403, **MEMBERS),
    *rows("GET", "/api/v1/clubs/{hidden}/members/", 404, **HIDDEN_OWNER_ADMIN),
    *rows("DELETE", "/api/v1/clubs/{club}/boxers/{member}/", 403, owner=204, admin=204),
    *rows(
        "DELETE",
        "/api/v1/clubs/{hidden}/boxers/{member}/",
        404,
        owner=404,
        admin=404,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/",
        403,
        payload={"user": "{free_coach}", "is_head": False},
        owner=201,
        admin=201,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/",
        403,
        payload={"user": "{coach_other}"},  # coaching at another club
        owner=409,
        admin=409,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/",
        403,
        payload={"user": "{coach_invited}"},  # invited already
        owner=409,
        admin=409,
    ),
    # The club removes a coach or withdraws an invitation; the coach itself leaves.
    *rows("DELETE", "/api/v1/clubs/{club}/coaches/{coach_in}/", 403, owner=204, admin=204, coach_in=204),
    *rows(
        "DELETE",
        "/api/v1/clubs/{club}/coaches/{coach_invited}/",
        403,
        owner=204,
        admin=204,
        coach_invited=204,
    ),
    # Only the invited coach answers its invitation; the club's owner and admins see it (403),
    # anyone else gets 404. An active row is no invitation: 409.
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/{coach_invited}/accept/",
        404,
        **OTHER_PARTIES,
        coach_invited=200,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/{coach_invited}/decline/",
        404,
        **OTHER_PARTIES,
        coach_invited=204,
    ),
    *rows("POST", "/api/v1/clubs/{club}/coaches/{coach_in}/accept/", 404, **OTHER_PARTIES, coach_in=409),
    *rows("POST", "/api/v1/clubs/{club}/coaches/{coach_in}/decline/", 404, **OTHER_PARTIES, coach_in=409),
    # An unpublished club's invitation is answered too; accepting while active elsewhere: 409.
    *rows(
        "POST",
        "/api/v1/clubs/{hidden}/coaches/{coach_invited}/accept/",
        404,
        **OTHER_PARTIES,
        coach_invited=200,
    ),
    *rows(
        "POST", "/api/v1/clubs/{hidden}/coaches/{coach_other}/accept/", 404, **OTHER_PARTIES, coach_other=409
    ),
    *rows(
        "POST", "/api/v1/clubs/{hidden}/coaches/{coach_other}/decline/", 404, **OTHER_PARTIES, coach_other=204
    ),
    # No such row: nothing to answer.
    *rows("POST", "/api/v1/clubs/{club}/coaches/{free_coach}/accept/", 404),
    *rows(
        "POST",
        "/api/v1/clubs/{hidden}/coaches/",
        404,
        payload={"user": "{free_coach}"},
        owner=201,
        admin=201,
    ),
    *rows(
        "DELETE",
        "/api/v1/clubs/{hidden}/coaches/{coach_in}/",
        404,
        owner=404,
        admin=404,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/membership-requests/",
        403,
        boxer_in=409,
        boxer_out=201,
        applicant=409,
    ),
    *rows("POST", "/api/v1/clubs/{hidden}/membership-requests/", 404, owner=403, admin=403),
    *rows("GET", "/api/v1/clubs/{club}/membership-requests/", 403, **OWNER_ADMIN),
    *rows("GET", "/api/v1/clubs/{hidden}/membership-requests/", 404, **OWNER_ADMIN),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/boxer-accounts/",
        403,
        payload={"email": "new.boxer@example.com", "name": "New Boxer"},
        owner=201,
        admin=201,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{hidden}/boxer-accounts/",
        404,
        payload={"email": "hidden.boxer@example.com", "name": "Hidden Boxer"},
        owner=201,
        admin=201,
    ),
    *rows("GET", "/api/v1/membership-requests/", 200),
    *rows("GET", "/api/v1/membership-requests/{request}/", 404, **OWNER_ADMIN, applicant=200),
    *rows("POST", "/api/v1/membership-requests/{request}/approve/", 404, **OWNER_ADMIN, applicant=403),
    *rows(
        "POST",
        "/api/v1/membership-requests/{request}/reject/",
        404,
        payload={"notes": "Full this season"},
        **OWNER_ADMIN,
        applicant=403,
    ),
    *rows(
        "DELETE",
        "/api/v1/membership-requests/{request}/",
        404,
        applicant=204,
        owner=403,
        admin=403,
    ),
]


def _fill(text, world):
    ids = {
        "club": world.club.pk,
        "hidden": world.hidden.pk,
        "member": world.member.pk,
        "request": world.request.pk,
        "free_coach": world.free_coach.pk,
        "coach_in": world.users["coach_in"].pk,
        "coach_other": world.users["coach_other"].pk,
        "coach_invited": world.users["coach_invited"].pk,
        "other_owner": world.users["other_owner"].pk,
    }
    return text.format(**{key: str(value) for key, value in ids.items()})


def _payload(payload, world):
    if payload is None:
        return None
    return {key: _fill(value, world) if isinstance(value, str) else value for key, value in payload.items()}


@pytest.mark.parametrize(("method", "url", "actor", "expected", "payload"), TABLE)
def test_clubs_authorization_table(world, client_for, method, url, actor, expected, payload):
    client = client_for(world.users[actor])

    response = client.generic(
        method, _fill(url, world), data=_json(_payload(payload, world)), content_type="application/json"
    )

    assert response.status_code == expected, response.content


def _json(payload):
    import json

    return "" if payload is None else json.dumps(payload)
