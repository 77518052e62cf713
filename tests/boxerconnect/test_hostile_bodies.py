"""Attack: bodies the JSON parser cannot handle (50,000 `[`, huge numbers, bad bytes) on real
endpoints. Every one is a 400 `{"detail", "code"}`, never a 500 (API.md conventions)."""

import json

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory
from tests.support.clients import authenticate

pytestmark = pytest.mark.django_db

DEPTH = 50_000

# name -> (raw body, content type)
HOSTILE = {
    "50k open brackets": (b"[" * DEPTH, "application/json"),
    "50k nested arrays, closed": (b"[" * DEPTH + b"]" * DEPTH, "application/json"),
    "50k nested objects": (b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, "application/json"),
    "nested under a real field": (b'{"email": ' + b"[" * DEPTH + b"]" * DEPTH + b"}", "application/json"),
    "a 100,000-digit integer": (b'{"weight_kg": ' + b"9" * 100_000 + b"}", "application/json"),
    "a float overflowing to infinity": (b'{"weight_kg": 1e999999}', "application/json"),
    "NaN": (b'{"weight_kg": NaN}', "application/json"),
    "invalid UTF-8": (b'{"name": "\xff\xfe\xfa"}', "application/json"),
    "UTF-16 bytes declared UTF-8": ('{"name": "x"}'.encode("utf-16"), "application/json"),
    "a lone surrogate escape": (b'{"name": "\\ud800", "email": "\\udfff@example.com"}', "application/json"),
    "a NUL character": (b'{"name": "a\\u0000b", "email": "a\\u0000@example.com"}', "application/json"),
}


def endpoints(boxer_pk: str) -> list[tuple[str, str, bool]]:
    """(method, path, authenticated) of JSON endpoints of every kind: public, authenticated, admin."""
    return [
        ("post", "/api/v1/auth/login/", False),
        ("post", "/api/v1/auth/register/", False),
        ("post", "/api/v1/auth/password/reset/", False),
        ("post", "/api/v1/auth/refresh/", False),
        ("patch", f"/api/v1/boxers/{boxer_pk}/", True),
        ("post", "/api/v1/clubs/", True),
        ("post", "/api/v1/admin/users/", True),
    ]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_body_the_parser_cannot_handle_is_400_on_every_kind_of_endpoint(name):
    admin = AdminFactory()
    boxer = BoxerFactory()
    body, content_type = HOSTILE[name]
    client = APIClient(raise_request_exception=False)
    authed = authenticate(APIClient(raise_request_exception=False), admin)

    results = {}
    for method, path, needs_auth in endpoints(str(boxer.pk)):
        caller = authed if needs_auth else client
        response = getattr(caller, method)(path, data=body, content_type=content_type)
        results[f"{method.upper()} {path}"] = (response.status_code, json.loads(response.content))

    assert {key: status for key, (status, _) in results.items()} == dict.fromkeys(results, 400)
    for _, body_json in results.values():
        assert isinstance(body_json, dict) and body_json  # a JSON error body, never a traceback


def test_what_json_allows_still_parses_an_escaped_emoji_deep_nesting_and_big_finite_numbers():
    client = APIClient()
    body = (
        b'{"email": "pair@example.com", "password": "Correct-Horse-Battery-9", '
        b'"name": "Jab \\ud83e\\udd4a", "extra": ' + b"[" * 200 + b"1.5e308" + b"]" * 200 + b"}"
    )

    response = client.post("/api/v1/auth/register/", data=body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["user"]["name"] == "Jab \N{BOXING GLOVE}"
