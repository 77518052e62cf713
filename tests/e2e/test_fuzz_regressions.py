"""Regression tests for what `make fuzz` (schemathesis against the live schema) found.

In-process (Django test client): fast, and each names the request the fuzzer sent.
"""

from datetime import timedelta

import pytest
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import Notification
from boxers.models import Availability, SparringRequest
from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory
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
    sparring = SparringRequest.objects.create(
        from_boxer=boxer,
        to_boxer=other,
        proposed_start=now + timedelta(days=2),
        proposed_end=now + timedelta(days=2, hours=1),
        expires_at=now + timedelta(days=1),
    )
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
