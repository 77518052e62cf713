"""The public boxer directory: scope, filters, orderings, bad values and constant query counts."""

import datetime

import pytest
from django.utils import timezone

from boxers.models import Boxer
from tests.accounts.factories import UserFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory

LIST = "/api/v1/boxers/"


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def directory(db):
    club = ClubFactory(name="Newport ABC")
    boxers = {
        "Alys": BoxerFactory(
            name="Alys",
            city="Cardiff",
            country="Wales",
            weight_kg=57,
            gender="female",
            experience_level="amateur",
            club=club,
            is_verified=True,
        ),
        "Bryn": BoxerFactory(
            name="Bryn", city="Swansea", country="Wales", weight_kg=81.5, gender="male", club=club
        ),
        "Cai": BoxerFactory(
            name="Cai",
            city="Bristol",
            country="England",
            weight_kg=69.9,
            gender="male",
            experience_level="professional",
        ),
        "Dafydd": BoxerFactory(name="Dafydd", city="Cardiff Bay", country="Wales", weight_kg=None),
    }
    # Out of scope: hidden, soft-deleted, and the profile of a deactivated user.
    BoxerFactory(name="Hidden", is_searchable=False)
    BoxerFactory(name="Deleted", is_active=False)
    BoxerFactory(name="Inactive user", user=UserFactory(is_active=False))
    return club, boxers


def test_only_searchable_active_profiles_of_active_users_are_listed(directory, client_for):
    response = client_for(None).get(LIST)

    assert names(response) == ["Alys", "Bryn", "Cai", "Dafydd"]
    assert response.json()["count"] == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "cardiff"}, ["Alys", "Dafydd"]),
        ({"city": "SWAN"}, ["Bryn"]),
        ({"country": "wal"}, ["Alys", "Bryn", "Dafydd"]),
        ({"experience_level": "professional"}, ["Cai"]),
        ({"gender": "female"}, ["Alys"]),
        ({"min_weight": "69.9"}, ["Bryn", "Cai"]),
        ({"max_weight": "69.9"}, ["Alys", "Cai"]),
        ({"min_weight": "60", "max_weight": "80"}, ["Cai"]),
        ({"is_verified": "true"}, ["Alys"]),
        ({"is_verified": "false"}, ["Bryn", "Cai", "Dafydd"]),
        ({"search": "ry"}, ["Bryn"]),
        ({"search": "A"}, ["Alys", "Cai", "Dafydd"]),
        ({"country": "wales", "gender": "male"}, ["Bryn"]),
        ({"city": ""}, ["Alys", "Bryn", "Cai", "Dafydd"]),
    ],
)
def test_filters(directory, client_for, params, expected):
    assert names(client_for(None).get(LIST, params)) == expected


def test_club_filter(directory, client_for):
    club, _ = directory

    assert names(client_for(None).get(LIST, {"club": str(club.pk)})) == ["Alys", "Bryn"]
    assert names(client_for(None).get(LIST, {"club": "00000000-0000-0000-0000-000000000000"})) == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Alys", "Bryn", "Cai", "Dafydd"]),
        ("-name", ["Dafydd", "Cai", "Bryn", "Alys"]),
        ("weight_kg", ["Alys", "Cai", "Bryn", "Dafydd"]),
        ("-weight_kg", ["Bryn", "Cai", "Alys", "Dafydd"]),  # no weight: last either way
        ("created_at", ["Alys", "Bryn", "Cai", "Dafydd"]),
        ("-created_at", ["Dafydd", "Cai", "Bryn", "Alys"]),
    ],
)
def test_orderings(directory, client_for, ordering, expected):
    _, boxers = directory
    base = timezone.now() - datetime.timedelta(days=10)
    for n, name in enumerate(["Alys", "Bryn", "Cai", "Dafydd"]):
        Boxer.objects.filter(pk=boxers[name].pk).update(created_at=base + datetime.timedelta(hours=n))

    assert names(client_for(None).get(LIST, {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"experience_level": "expert"},
        {"gender": "other"},
        {"min_weight": "heavy"},
        {"max_weight": "NaN"},
        {"min_weight": "1e999999"},
        {"club": "not-a-uuid"},
        {"is_verified": "maybe"},
        {"ordering": "email"},
        {"ordering": "user__email"},
        {"city": "Car\x00diff"},
        {"search": "x" * 151},
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(directory, client_for, params):
    response = client_for(None).get(LIST, params)

    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_pages_do_not_overlap_when_ordering_ties(db, client_for):
    for n in range(7):
        BoxerFactory(name=f"Twin {n}", weight_kg=70)

    seen = []
    for page in (1, 2, 3, 4):
        seen += [
            r["id"]
            for r in client_for(None)
            .get(LIST, {"ordering": "weight_kg", "page_size": 2, "page": page})
            .json()["results"]
        ]

    assert len(seen) == len(set(seen)) == 7


def test_list_never_shows_user_data(directory, client_for):
    response = client_for(None).get(LIST)

    assert "@example.com" not in response.content.decode()
    assert all(set(row) >= {"id", "user_id", "club"} for row in response.json()["results"])
    assert response.json()["results"][0]["club"]["name"] == "Newport ABC"


@pytest.mark.parametrize("page_size", [1, 10, 100])
def test_list_query_count_is_the_same_for_every_page_size(
    db, client_for, django_assert_num_queries, page_size
):
    clubs = [ClubFactory() for _ in range(5)]
    for n in range(100):
        BoxerFactory(club=clubs[n % 5] if n % 3 else None)
    client = client_for(None)

    # one COUNT, one SELECT joined to the club: nothing per row
    with django_assert_num_queries(2):
        response = client.get(LIST, {"page_size": page_size, "ordering": "-created_at"})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 10, 100])
def test_authenticated_list_query_count_is_the_same_for_every_page_size(
    db, client_for, django_assert_max_num_queries, page_size
):
    for n in range(100):
        BoxerFactory(club=ClubFactory() if n % 10 == 0 else None, city="Cardiff")
    client = client_for(UserFactory())
    client.get(LIST)  # warms the caller's cached user fact

    with django_assert_max_num_queries(2):
        response = client.get(LIST, {"page_size": page_size, "city": "card"})

    assert len(response.json()["results"]) == page_size


def test_directory_agrees_with_the_anonymous_detail_check(directory, client_for):
    anon = client_for(None)
    listed = {row["id"] for row in anon.get(LIST, {"page_size": 100}).json()["results"]}

    for boxer in Boxer.objects.all():
        status = anon.get(f"{LIST}{boxer.pk}/").status_code
        assert status == (200 if str(boxer.pk) in listed else 404), boxer.name
