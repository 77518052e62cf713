"""The demo world seed_demo builds, checked as people would use it: places the directory can
filter on, every age group, gender and level, partners to spar with, requests in every state.

These tests only read, so the world is seeded once for the module (committed, then flushed
when the module is done) instead of once a test: seeding takes seconds. What seeding does
from an empty database and on a rerun (idempotence, logins) is tested in test_seed_demo.py,
each test on its own database state.
"""

import math
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import Notification, User
from boxers.models import Availability, Boxer, SparringRequest, SparringStatus
from clubs.models import Club, MembershipRequest, MembershipStatus
from tests.support.committed import flush_committed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """`manage.py seed_demo` (debug on), committed for every test of this module; the
    database is flushed afterwards, as after a transactional test."""
    logins = tmp_path_factory.mktemp("demo") / "demo-logins.txt"
    with django_db_blocker.unblock(), override_settings(DEBUG=True, DEMO_LOGINS_FILE=logins):
        call_command("seed_demo", stdout=StringIO())
        assert Boxer.objects.exists()
    yield
    with django_db_blocker.unblock():
        flush_committed()


GROUPS = {"schools": (0, 14), "junior": (15, 16), "youth": (17, 18), "elite": (19, 40), "masters": (41, 200)}
LEVELS = ["beginner", "amateur", "intermediate", "advanced", "professional"]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def age_group(born: date, today: date) -> str:
    age = age_on(born, today)
    return next(group for group, (low, high) in GROUPS.items() if low <= age <= high)


def test_clubs_and_boxers_have_cities_the_directory_can_filter_on(api):
    clubs = api.get("/api/v1/clubs/?city=cardiff&page_size=100").json()
    boxers = api.get("/api/v1/boxers/?city=cardiff&page_size=100").json()

    assert clubs["count"] >= 12
    assert {club["city"] for club in clubs["results"]} == {"Cardiff"}
    assert boxers["count"] >= 5
    assert Club.objects.exclude(city="").count() >= 125
    # Every boxer lives somewhere, a member where its club is.
    for boxer in Boxer.objects.select_related("club"):
        assert boxer.city
        if boxer.club is not None:
            assert boxer.city == boxer.club.city


def test_clubs_get_coordinates_from_their_town_where_the_list_has_none():
    located = Club.objects.filter(latitude__isnull=False, longitude__isnull=False)
    newport = Club.objects.get(name="Newport Sporting ABC")

    assert located.count() >= 125
    assert (float(newport.latitude), float(newport.longitude)) == pytest.approx((51.58, -3.0), abs=0.02)
    # The list's own coordinates are kept as they are.
    assert float(Club.objects.get(name="Caernarfon ABC").latitude) == pytest.approx(53.1378468)


def test_boxers_span_every_age_group_both_genders_and_every_level():
    today = date.today()
    boxers = list(Boxer.objects.all())

    groups = [age_group(b.date_of_birth, today) for b in boxers]
    genders = [b.gender for b in boxers]

    assert all(b.date_of_birth is not None and b.weight_kg is not None for b in boxers)
    assert {group: groups.count(group) >= 3 for group in GROUPS} == dict.fromkeys(GROUPS, True)
    assert 0.2 <= genders.count("female") / len(genders) <= 0.45
    assert {b.experience_level for b in boxers} == set(LEVELS)
    # Most members are beginners to intermediates, as in a real amateur membership.
    assert sum(b.experience_level in LEVELS[:3] for b in boxers) >= 0.6 * len(boxers)


def distance_km(a: Club, b: Club) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude)))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def could_spar(a: Boxer, b: Boxer, today: date) -> bool:
    """The sparring rule of the contract: same gender, 5 kg, adjacent levels, 2 years for a
    minor, another club within 50 km."""
    ages = (age_on(a.date_of_birth, today), age_on(b.date_of_birth, today))
    return (
        a.club_id != b.club_id
        and a.gender == b.gender
        and abs(a.weight_kg - b.weight_kg) <= 5
        and abs(LEVELS.index(a.experience_level) - LEVELS.index(b.experience_level)) <= 1
        and (min(ages) >= 18 or abs(ages[0] - ages[1]) <= 2)
        and distance_km(a.club, b.club) <= 50
    )


def test_most_boxers_have_a_sparring_partner_in_another_club_nearby():
    today = date.today()
    members = list(Boxer.objects.filter(club__isnull=False, is_searchable=True).select_related("club"))

    partnered = [a for a in members if any(could_spar(a, b, today) for b in members if b.pk != a.pk)]

    assert len(partnered) >= 0.8 * len(members)
    assert len({b.club_id for b in partnered}) >= 8


def test_pending_requests_carry_the_boxers_messages():
    messages = MembershipRequest.objects.filter(status=MembershipStatus.PENDING).values_list(
        "message", flat=True
    )

    assert sum(bool(m) for m in messages) >= 3


def test_the_demo_has_sparring_in_every_state_with_slots_and_notifications(client_for):
    statuses = set(SparringRequest.objects.values_list("status", flat=True))
    assert statuses == {status.value for status in SparringStatus}
    assert Availability.objects.count() >= 10
    assert Notification.objects.filter(kind="sparring_requested").exists()
    tomos = Boxer.objects.get(user__email="boxer.tomos@demo.example.org")
    coach = User.objects.get(email="coach.dai@demo.example.org")
    # the demo coach acts for its boxer: it gets suggestions across clubs
    found = client_for(coach).get(f"/api/v1/boxers/{tomos.pk}/suggestions/").json()["results"]
    assert found and all(
        item["boxer"]["club"]["id"] != str(tomos.club_id) for item in found if item["boxer"]["club"]
    )
