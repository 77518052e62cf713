"""The public club directory: filters, ordering, regions, contact visibility, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import AdminFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/clubs/"


def names(response):
    assert response.status_code == 200, response.content
    return [club["name"] for club in response.json()["results"]]


def test_directory_lists_published_clubs_ordered_by_name(api):
    ClubFactory(name="Zulu ABC")
    ClubFactory(name="Alpha ABC")
    ClubFactory(name="Mike ABC")
    ClubFactory(name="Hidden ABC", is_published=False)

    response = api.get(LIST)

    assert names(response) == ["Alpha ABC", "Mike ABC", "Zulu ABC"]
    assert response.json()["count"] == 3


def test_club_shape_matches_the_contract_without_contact_details(api):
    owner = GymOwnerFactory(name="Olwen Owner")
    club = ClubFactory(name="Shape ABC", owner=owner)
    BoxerFactory(club=club)
    BoxerFactory(club=club, is_active=False)

    body = api.get(f"/api/v1/clubs/{club.pk}/").json()

    assert set(body) == {
        "id", "name", "region", "city", "country", "postcode", "address", "latitude", "longitude",
        "website", "description", "accepting_members", "is_published", "is_verified", "owner",
        "member_count", "created_at",
    }  # fmt: skip
    assert body["owner"] == {"id": str(owner.pk), "name": "Olwen Owner"}
    assert body["member_count"] == 1


@pytest.mark.parametrize(
    ("who", "sees_contact"),
    [("anonymous", False), ("boxer", False), ("other_owner", False), ("owner", True), ("admin", True)],
)
def test_contact_details_only_for_owner_and_admin_in_detail_list_and_mine(client_for, who, sees_contact):
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner, contact_email="sec@clubs.example.org", contact_phone="01632 960123")
    users = {
        "anonymous": None,
        "boxer": BoxerFactory(club=club).user,
        "other_owner": GymOwnerFactory(),
        "owner": owner,
        "admin": AdminFactory(),
    }
    client = client_for(users[who])

    detail = client.get(f"/api/v1/clubs/{club.pk}/").json()
    listed = client.get(LIST).json()["results"][0]

    for body in (detail, listed):
        assert ("contact_email" in body) is sees_contact
        assert ("contact_phone" in body) is sees_contact
    if sees_contact:
        assert detail["contact_email"] == "sec@clubs.example.org"
        assert detail["contact_phone"] == "01632 960123"


def test_list_shows_contact_only_for_the_clubs_the_caller_owns(client_for):
    owner = GymOwnerFactory()
    ClubFactory(name="A mine", owner=owner)
    ClubFactory(name="B theirs", owner=GymOwnerFactory())

    results = client_for(owner).get(LIST).json()["results"]

    assert [("contact_email" in r) for r in results] == [True, False]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("accepting_members=true", ["Open ABC"]),
        ("accepting_members=false", ["Closed ABC"]),
        ("accepting_members=True", ["Open ABC"]),
        ("accepting_members=0", ["Closed ABC"]),
        ("accepting_members=", ["Closed ABC", "Open ABC"]),
        ("", ["Closed ABC", "Open ABC"]),
    ],
)
def test_accepting_members_filter_parses_booleans(api, query, expected):
    ClubFactory(name="Open ABC", accepting_members=True)
    ClubFactory(name="Closed ABC", accepting_members=False)

    assert names(api.get(f"{LIST}?{query}")) == expected


@pytest.mark.parametrize("value", ["maybe", "yes!", "2", "null"])
def test_accepting_members_filter_rejects_other_values(api, value):
    response = api.get(f"{LIST}?accepting_members={value}")

    assert response.status_code == 400
    assert "accepting_members" in response.json()


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("CF10", ["Cardiff ABC", "Cardiff Bay ABC"]),
        ("cf10", ["Cardiff ABC", "Cardiff Bay ABC"]),
        ("cf10 5", ["Cardiff ABC"]),
        ("CF105", ["Cardiff ABC"]),
        ("CF1", ["Cardiff ABC", "Cardiff Bay ABC", "Penarth ABC"]),
        ("SA", ["Swansea ABC"]),
        ("LB", []),
        ("10", []),
    ],
)
def test_postcode_filter_is_a_case_insensitive_prefix(api, prefix, expected):
    ClubFactory(name="Cardiff ABC", postcode="CF10 5LB")
    ClubFactory(name="Cardiff Bay ABC", postcode="CF10 4PA")
    ClubFactory(name="Penarth ABC", postcode="CF14 3XG")
    ClubFactory(name="Swansea ABC", postcode="SA1 2NA")

    assert names(api.get(LIST, {"postcode": prefix})) == expected


def test_region_city_country_and_search_filters(api):
    ClubFactory(name="Rhyl ABC", region="North Division", city="Rhyl", country="Wales")
    ClubFactory(name="Splott ABC", region="East Division", city="Cardiff", country="Wales")
    ClubFactory(name="Bristol ABC", region="South West", city="Bristol", country="England")

    assert names(api.get(LIST, {"region": "north"})) == ["Rhyl ABC"]
    assert names(api.get(LIST, {"city": "CARD"})) == ["Splott ABC"]
    assert names(api.get(LIST, {"country": "wal"})) == ["Rhyl ABC", "Splott ABC"]
    assert names(api.get(LIST, {"search": "splo"})) == ["Splott ABC"]
    assert names(api.get(LIST, {"country": "wales", "city": "rhyl"})) == ["Rhyl ABC"]


def test_too_long_filter_values_are_400(api):
    response = api.get(LIST, {"postcode": "X" * 40})

    assert response.status_code == 400


def test_regions_are_distinct_sorted_and_published_only(api):
    ClubFactory(region="West Division")
    ClubFactory(region="East Division")
    ClubFactory(region="East Division")
    ClubFactory(region="")
    ClubFactory(region="Secret Division", is_published=False)

    response = api.get("/api/v1/clubs/regions/")

    assert response.json() == ["East Division", "West Division"]


def test_mine_lists_owned_clubs_published_or_not(client_for):
    owner = GymOwnerFactory()
    ClubFactory(name="B Draft", owner=owner, is_published=False)
    ClubFactory(name="A Live", owner=owner)
    ClubFactory(name="C Other", owner=GymOwnerFactory())

    response = client_for(owner).get("/api/v1/clubs/mine/")

    assert names(response) == ["A Live", "B Draft"]
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_pagination_and_out_of_range_page(api):
    for n in range(5):
        ClubFactory(name=f"Club {n}")

    page = api.get(LIST, {"page_size": 2, "page": 3})
    beyond = api.get(LIST, {"page_size": 2, "page": 4})

    assert names(page) == ["Club 4"]
    assert beyond.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_list_query_count_is_the_same_for_any_page_size(client_for, settings, who):
    settings.READ_MODEL_CACHE = False  # what a miss computes (warm pages cost none: test_read_models.py)
    owner = GymOwnerFactory()
    for n in range(30):
        club = ClubFactory(name=f"Club {n:02}", owner=owner if n % 2 else None)
        BoxerFactory(club=club)
    client = client_for(owner if who == "owner" else None)
    client.get(LIST, {"page_size": 1})  # warm the permission cache

    counts = []
    for size in (1, 10, 30):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))

    assert counts == [counts[0]] * 3
    assert counts[0] <= 2  # count + one page query (owner and member_count joined in)


@pytest.mark.fault
def test_list_costs_the_same_redis_round_trips_for_any_page_size(private_redis, client_for):
    owner = GymOwnerFactory()
    for n in range(30):
        ClubFactory(name=f"Club {n:02}", owner=owner if n % 3 == 0 else None)
    client = client_for(owner)
    client.get(LIST, {"page_size": 1})  # warm the caller's fact

    costs = []
    for size in (1, 10, 30):
        client.get(LIST, {"page_size": size})  # the page's read model, stored
        before = private_redis.commands_processed()
        response = client.get(LIST, {"page_size": size})
        costs.append(private_redis.commands_processed() - before)
        assert sum("contact_email" in club for club in response.json()["results"]) == len(
            [n for n in range(size) if n % 3 == 0]
        )

    assert costs == [costs[0]] * 3
