"""Authorization table: every clubs endpoint by every kind of actor (pretix style)."""

import pytest

from tests.clubs.conftest import ACTORS

ANON = "anonymous"


def rows(method, url, expected, default, anonymous=401, payload=None):
    """One row per actor: `expected` overrides `default` (anonymous gets `anonymous`)."""
    table = {actor: default for actor in ACTORS}
    table[ANON] = anonymous
    table.update(expected)
    return [(method, url, actor, status, payload) for actor, status in table.items()]


OWNER_ADMIN = {"owner": 200, "admin": 200}
HIDDEN_OWNER_ADMIN = {"owner": 200, "admin": 200}
MEMBERS = {"boxer_in": 200, "coach_in": 200, "owner": 200, "admin": 200}

TABLE = [
    *rows("GET", "/api/v1/clubs/", {}, 200, anonymous=200),
    *rows("POST", "/api/v1/clubs/", {"admin": 201}, 403, payload={"name": "New ABC", "region": "East"}),
    *rows("GET", "/api/v1/clubs/regions/", {}, 200, anonymous=200),
    *rows("GET", "/api/v1/clubs/mine/", {}, 200),
    *rows("GET", "/api/v1/clubs/{club}/", {}, 200, anonymous=200),
    *rows("GET", "/api/v1/clubs/{hidden}/", HIDDEN_OWNER_ADMIN, 404, anonymous=404),
    *rows("PATCH", "/api/v1/clubs/{club}/", OWNER_ADMIN, 403, payload={"description": "Open nightly"}),
    *rows("PATCH", "/api/v1/clubs/{hidden}/", OWNER_ADMIN, 404, anonymous=404, payload={"city": "Bangor"}),
    *rows("PATCH", "/api/v1/clubs/{club}/", {"admin": 200}, 403, payload={"is_verified": True}),
    *rows("PATCH", "/api/v1/clubs/{club}/", {"admin": 200}, 403, payload={"owner": "{other_owner}"}),
    *rows("DELETE", "/api/v1/clubs/{club}/", {"admin": 204}, 403),
    *rows("DELETE", "/api/v1/clubs/{hidden}/", {"admin": 204, "owner": 403}, 404, anonymous=404),
    *rows("PUT", "/api/v1/clubs/{club}/owner/", {"admin": 200}, 403, payload={"user": "{other_owner}"}),
    *rows(
        "PUT",
        "/api/v1/clubs/{hidden}/owner/",
        {"admin": 200, "owner": 403},
        404,
        anonymous=404,
        payload={"user": "{other_owner}"},
    ),
    *rows("GET", "/api/v1/clubs/{club}/members/", MEMBERS, 403),
    *rows("GET", "/api/v1/clubs/{hidden}/members/", HIDDEN_OWNER_ADMIN, 404, anonymous=404),
    *rows("DELETE", "/api/v1/clubs/{club}/boxers/{member}/", {"owner": 204, "admin": 204}, 403),
    *rows(
        "DELETE", "/api/v1/clubs/{hidden}/boxers/{member}/", {"owner": 404, "admin": 404}, 404, anonymous=404
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/coaches/",
        {"owner": 201, "admin": 201},
        403,
        payload={"user": "{free_coach}", "is_head": False},
    ),
    *rows("DELETE", "/api/v1/clubs/{club}/coaches/{coach_in}/", {"owner": 204, "admin": 204}, 403),
    *rows(
        "POST",
        "/api/v1/clubs/{hidden}/coaches/",
        {"owner": 201, "admin": 201},
        404,
        anonymous=404,
        payload={"user": "{free_coach}"},
    ),
    *rows(
        "DELETE",
        "/api/v1/clubs/{hidden}/coaches/{coach_in}/",
        {"owner": 404, "admin": 404},
        404,
        anonymous=404,
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/membership-requests/",
        {"boxer_in": 409, "boxer_out": 201, "applicant": 409},
        403,
    ),
    *rows("POST", "/api/v1/clubs/{hidden}/membership-requests/", {"owner": 403, "admin": 403}, 404),
    *rows("GET", "/api/v1/clubs/{club}/membership-requests/", OWNER_ADMIN, 403),
    *rows("GET", "/api/v1/clubs/{hidden}/membership-requests/", OWNER_ADMIN, 404, anonymous=404),
    *rows(
        "POST",
        "/api/v1/clubs/{club}/boxer-accounts/",
        {"owner": 201, "admin": 201},
        403,
        payload={"email": "new.boxer@example.com", "name": "New Boxer"},
    ),
    *rows(
        "POST",
        "/api/v1/clubs/{hidden}/boxer-accounts/",
        {"owner": 201, "admin": 201},
        404,
        anonymous=404,
        payload={"email": "hidden.boxer@example.com", "name": "Hidden Boxer"},
    ),
    *rows("GET", "/api/v1/membership-requests/", {}, 200),
    *rows("GET", "/api/v1/membership-requests/{request}/", {**OWNER_ADMIN, "applicant": 200}, 404),
    *rows("POST", "/api/v1/membership-requests/{request}/approve/", {**OWNER_ADMIN, "applicant": 403}, 404),
    *rows(
        "POST",
        "/api/v1/membership-requests/{request}/reject/",
        {**OWNER_ADMIN, "applicant": 403},
        404,
        payload={"notes": "Full this season"},
    ),
    *rows(
        "DELETE",
        "/api/v1/membership-requests/{request}/",
        {"applicant": 204, "owner": 403, "admin": 403},
        404,
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
