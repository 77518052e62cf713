"""Regression tests for what `make fuzz` (schemathesis against the live schema) found.

In-process (Django test client): fast, and each names the request the fuzzer sent.
"""

from datetime import timedelta

import jsonschema
import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import Notification
from boxerconnect.error_codes import BY_CODE
from boxers.models import Availability
from fuzz.run import with_conventions
from tests.accounts.factories import AdminFactory, CoachFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory, SparringRequestFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory

pytestmark = pytest.mark.django_db


def api_routes() -> list[str]:
    """Every /api/v1/ route pattern, e.g. "api/v1/boxers/<uuid:pk>/leave-club/"."""
    routes = []
    for top in get_resolver().url_patterns:
        if str(top.pattern) != "api/v1/":
            continue
        routes += [f"api/v1/{inner.pattern}" for inner in top.url_patterns]
    return sorted(set(routes))


@pytest.fixture
def real_ids():
    admin = AdminFactory()
    boxer = BoxerFactory(user=admin)
    fight = FightFactory(boxer=boxer)
    link = CoachLinkFactory(boxer=boxer)
    club = ClubFactory(owner=None)
    request = MembershipRequestFactory(club=club)
    other = BoxerFactory()
    now = timezone.now()
    sparring = SparringRequestFactory(from_boxer=boxer, to_boxer=other)
    slot = Availability.objects.create(
        boxer=boxer, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1)
    )
    notification = Notification.objects.create(recipient=admin, kind="sparring_requested")
    return admin, {
        "boxer": boxer,
        "fight": fight,
        "link": link,
        "club": club,
        "request": request,
        "sparring": sparring,
        "slot": slot,
        "notification": notification,
    }


def concrete(route: str, objects: dict) -> str:
    """Fill a route's <uuid:...> converters with ids of objects of the right kind."""
    first = {
        "auth": "",
        "permissions": "",
        "boxers": objects["boxer"].pk,
        "clubs": objects["club"].pk,
        "coach-links": objects["link"].pk,
        "membership-requests": objects["request"].pk,
        "sparring-requests": objects["sparring"].pk,
        "notifications": objects["notification"].pk,
        "admin": objects["boxer"].user_id,
    }[route.split("/")[2].split("/")[0]]
    path = route.replace("<uuid:pk>", str(first), 1)
    path = path.replace("<uuid:fight_id>", str(objects["fight"].pk))
    path = path.replace("<uuid:slot_id>", str(objects["slot"].pk))
    path = path.replace("<uuid:boxer_id>", str(objects["boxer"].pk))
    path = path.replace("<uuid:user_id>", str(objects["link"].coach_id))
    return "/" + path


@pytest.mark.parametrize("route", api_routes())
def test_options_never_fails_on_any_route_for_an_admin(client_for, real_ids, route):
    # Found by schemathesis: OPTIONS /api/v1/boxers/{id}/leave-club/ as the owner or an admin
    # answered 500 (DRF metadata asked a serializer-less GenericAPIView for its serializer).
    admin, objects = real_ids

    response = client_for(admin).options(concrete(route, objects))

    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")


# The page the fuzzer asked for: its OFFSET, (page - 1) x 20, is beyond PostgreSQL's bigint.
HUGE_PAGE = "7879075077340099730"


@pytest.mark.parametrize("caller", ["anonymous", "coach"])
def test_a_directory_page_whose_offset_overflows_is_a_404_not_a_500(client_for, caller):
    # Found by schemathesis (make fuzz, 2026-12-04, as a coach): GET /api/v1/boxers/ with
    # page=7879075077340099730 answered 500 (DataError: bigint out of range).
    BoxerFactory()
    client = client_for(CoachFactory() if caller == "coach" else None)

    responses = [
        client.get("/api/v1/boxers/", {"page": page})
        # the fuzzer's page, the last whose offset fits, the first that would overflow, 10**30
        for page in (HUGE_PAGE, str((2**63 - 1) // 20 + 1), str((2**63 - 1) // 20 + 2), str(10**30))
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404], responses[0].content
    assert {r.json()["code"] for r in responses} == {"not_found"}


@pytest.mark.parametrize("path", ["/", "/health", "/health/live", "/health/ready", "/metrics"])
@pytest.mark.parametrize("method", ["QUERY", "POST", "DELETE"])
def test_an_undeclared_method_on_an_ops_endpoint_is_a_405_not_a_csrf_403(path, method):
    # Found by schemathesis (make fuzz, 2026-12-04, every role): QUERY on /, /health,
    # /health/live and /health/ready answered 403 (CSRF refused the "unsafe" method before
    # the view's require_safe could answer 405). A browser client enforces CSRF, as here.
    client = Client(enforce_csrf_checks=True)

    response = client.generic(method, path)

    assert response.status_code == 405, response.content
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == {"detail": f'Method "{method}" not allowed.', "code": "method_not_allowed"}


def test_the_fuzzer_validates_error_bodies_against_the_documents_own_error_schemas(api):
    # Found by schemathesis (make fuzz, 2026-12-04): a 400 parse_error body failed ST108 on
    # POST /auth/login/, /auth/refresh/, /auth/password/reset/: fuzz/run.py replaced the
    # document's ValidationErrorBody by a loose one, so `oneOf` matched both of its schemas.
    document = api.get("/api/schema/", {"format": "json"}).json()
    bodies = {
        "parse_error": api.generic("POST", "/api/v1/auth/login/", b"\x00", content_type="application/json"),
        "field_errors": api.post("/api/v1/auth/login/", {}, format="json"),
    }

    fuzzed = with_conventions(document)

    components = fuzzed["components"]
    operation = fuzzed["paths"]["/api/v1/auth/login/"]["post"]
    schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft4Validator({**schema, "components": components})
    assert {name: r.status_code for name, r in bodies.items()} == {"parse_error": 400, "field_errors": 400}
    for name, response in bodies.items():
        errors = [error.message for error in validator.iter_errors(response.json())]
        assert errors == [], (name, response.json())


@pytest.mark.parametrize("header", ["Bearer a b", "Bearer", "Bearer  x y z"])
def test_a_malformed_bearer_header_is_a_listed_401_code(api, header):
    # Found by schemathesis (make fuzz, 2026-12-04, anonymous, 60 operations): a header that
    # is not `Bearer <token>` answered 401 with simplejwt's code `bad_authorization_header`,
    # which the registry (and the document's ErrorCode enum) does not list.
    response = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["code"] in BY_CODE
