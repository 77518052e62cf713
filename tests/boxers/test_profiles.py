"""Boxer profiles: create, me, partial update with validation, soft delete and leaving a club."""

import datetime

import pytest
from django.utils import timezone

from boxers.models import Boxer
from tests.accounts.factories import AdminFactory, CoachFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory

BOXER_KEYS = {
    "id",
    "user_id",
    "name",
    "weight_kg",
    "height_cm",
    "age_group",
    "gender",
    "city",
    "country",
    "experience_level",
    "bio",
    "club",
    "wins",
    "losses",
    "draws",
    "is_searchable",
    "is_verified",
    "created_at",
    "updated_at",
}
PRIVATE_KEYS = BOXER_KEYS | {"date_of_birth"}  # for callers allowed boxer.update, and me/


def url(boxer):
    return f"/api/v1/boxers/{boxer.pk}/"


def test_boxer_creates_own_profile_with_its_name_by_default(db, client_for):
    user = UserFactory(name="Nia Jones", email="nia@example.com")

    response = client_for(user).post("/api/v1/boxers/", {"weight_kg": 57.5, "city": "Rhyl"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == PRIVATE_KEYS  # the caller's own profile
    assert body["name"] == "Nia Jones"
    assert body["user_id"] == str(user.pk)
    assert body["weight_kg"] == 57.5
    assert body["club"] is None
    assert (body["wins"], body["losses"], body["draws"]) == (0, 0, 0)
    assert "nia@example.com" not in response.content.decode()
    assert Boxer.objects.get(user=user).city == "Rhyl"


def test_second_profile_is_a_conflict(db, client_for):
    boxer = BoxerFactory()

    response = client_for(boxer.user).post("/api/v1/boxers/", {"name": "Again"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "profile_exists"
    assert Boxer.objects.filter(user=boxer.user).count() == 1


def test_create_validates_like_update(db, client_for):
    user = UserFactory()

    response = client_for(user).post("/api/v1/boxers/", {"weight_kg": 20, "gender": "robot"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"weight_kg", "gender"}
    assert not Boxer.objects.filter(user=user).exists()


def test_me_returns_own_profile_or_404(db, client_for):
    boxer = BoxerFactory()
    coach = CoachFactory()

    mine = client_for(boxer.user).get("/api/v1/boxers/me/")
    none = client_for(coach).get("/api/v1/boxers/me/")

    assert mine.status_code == 200
    assert mine.json()["id"] == str(boxer.pk)
    assert none.status_code == 404


def test_public_profile_shows_club_but_no_user_data(db, client_for):
    from tests.clubs.factories import ClubFactory

    club = ClubFactory(name="Splott ABC")
    boxer = BoxerFactory(club=club, user__email="secret@example.com")

    response = client_for(None).get(url(boxer))

    assert response.status_code == 200
    assert response.json()["club"] == {"id": str(club.pk), "name": "Splott ABC"}
    assert set(response.json()) == BOXER_KEYS
    assert "secret@example.com" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", 39.99),
        ("weight_kg", 200.01),
        ("weight_kg", "heavy"),
        ("weight_kg", 70.123),
        ("height_cm", 119),
        ("height_cm", 231),
        ("height_cm", "tall"),
        ("date_of_birth", "today"),
        ("date_of_birth", "tomorrow"),
        ("date_of_birth", "2001-02-30"),
        ("bio", "x" * 2001),
        ("gender", "other"),
        ("experience_level", "expert"),
        ("experience_level", None),
        ("is_searchable", "maybe"),
        ("name", ""),
        ("name", "n" * 151),
        ("city", ["Cardiff"]),
    ],
)
def test_invalid_values_are_rejected_per_field(db, client_for, field, value):
    boxer = BoxerFactory()
    before = Boxer.objects.values().get(pk=boxer.pk)
    today = timezone.localdate()
    if value == "today":
        value = today.isoformat()
    elif value == "tomorrow":
        value = (today + datetime.timedelta(days=1)).isoformat()

    response = client_for(boxer.user).patch(url(boxer), {field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Boxer.objects.values().get(pk=boxer.pk) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", 40),
        ("weight_kg", 200),
        ("height_cm", 120),
        ("height_cm", 230),
        ("date_of_birth", "2000-01-31"),
        ("bio", "x" * 2000),
        ("gender", "female"),
        ("experience_level", "professional"),
        ("weight_kg", None),
    ],
)
def test_boundary_values_are_accepted(db, client_for, field, value):
    boxer = BoxerFactory()

    response = client_for(boxer.user).patch(url(boxer), {field: value}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()[field] == value


def test_omitted_fields_never_change(db, client_for):
    boxer = BoxerFactory(city="Cardiff", country="Wales", bio="Southpaw", height_cm=180, weight_kg=75)
    before = Boxer.objects.values().get(pk=boxer.pk)

    response = client_for(boxer.user).patch(url(boxer), {"bio": "Orthodox now"}, format="json")

    assert response.status_code == 200
    after = Boxer.objects.values().get(pk=boxer.pk)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"bio", "updated_at"}


def test_club_and_record_are_read_only(db, client_for):
    from tests.clubs.factories import ClubFactory

    boxer = BoxerFactory()
    club = ClubFactory()

    response = client_for(boxer.user).patch(
        url(boxer), {"club": str(club.pk), "wins": 30, "losses": 0, "name": "Renamed"}, format="json"
    )

    assert response.status_code == 200
    boxer.refresh_from_db()
    assert (boxer.club_id, boxer.wins, boxer.losses, boxer.name) == (None, 0, 0, "Renamed")


def test_only_an_admin_sets_is_verified(db, client_for):
    boxer = BoxerFactory()

    by_owner = client_for(boxer.user).patch(url(boxer), {"is_verified": False, "city": "Bala"}, format="json")
    by_admin = client_for(AdminFactory()).patch(url(boxer), {"is_verified": True}, format="json")

    assert by_owner.status_code == 403
    assert by_admin.status_code == 200
    boxer.refresh_from_db()
    assert boxer.is_verified is True
    assert boxer.city == "Cardiff"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b'"a string"',
        b"null",
        b'{"weight_kg": 1e999}',
        b'{"height_cm": 1e999}',
        b'{"weight_kg": NaN}',
        b'{"name": "a\\u0000b"}',
    ],
)
def test_malformed_bodies_are_400(db, client_for, raw):
    boxer = BoxerFactory()

    response = client_for(boxer.user).generic("PATCH", url(boxer), raw, content_type="application/json")

    assert response.status_code == 400


def test_unsupported_methods_are_405(db, client_for):
    boxer = BoxerFactory()

    response = client_for(boxer.user).put(url(boxer), {"name": "Whole"}, format="json")

    assert response.status_code == 405


def test_soft_delete_keeps_data_and_hides_the_profile_at_once(db, client_for):
    boxer = BoxerFactory(bio="kept")
    coach = CoachLinkFactory(boxer=boxer).coach
    owner_client, coach_client, anon = client_for(boxer.user), client_for(coach), client_for(None)
    assert coach_client.get(url(boxer)).status_code == 200  # warms the cached facts

    deleted = owner_client.delete(url(boxer))

    assert deleted.status_code == 204
    assert Boxer.objects.get(pk=boxer.pk).bio == "kept"
    assert coach_client.get(url(boxer)).status_code == 404
    assert anon.get(url(boxer)).status_code == 404
    assert owner_client.get(url(boxer)).status_code == 200
    assert client_for(AdminFactory()).get(url(boxer)).status_code == 200
    assert anon.get("/api/v1/boxers/").json()["count"] == 0


def test_hiding_a_profile_removes_it_from_search_and_anonymous_view(db, client_for):
    boxer = BoxerFactory()
    anon = client_for(None)
    assert anon.get(url(boxer)).status_code == 200

    client_for(boxer.user).patch(url(boxer), {"is_searchable": False}, format="json")

    assert anon.get(url(boxer)).status_code == 404
    assert anon.get("/api/v1/boxers/").json()["count"] == 0


def test_leaving_the_club_ends_the_club_owners_rights_on_the_next_request(db, client_for):
    from tests.accounts.factories import GymOwnerFactory
    from tests.clubs.factories import ClubFactory

    gym_owner = GymOwnerFactory()
    boxer = BoxerFactory(club=ClubFactory(owner=gym_owner), is_searchable=False)
    gym = client_for(gym_owner)
    assert gym.patch(url(boxer), {"city": "Barry"}, format="json").status_code == 200

    response = client_for(boxer.user).post(f"/api/v1/boxers/{boxer.pk}/leave-club/")

    assert response.status_code == 204
    boxer.refresh_from_db()
    assert boxer.club_id is None
    assert gym.patch(url(boxer), {"city": "Penarth"}, format="json").status_code == 404
    assert client_for(boxer.user).post(f"/api/v1/boxers/{boxer.pk}/leave-club/").status_code == 204


def test_unknown_and_malformed_ids_are_404(db, client_for):
    user = UserFactory()

    missing = client_for(user).get("/api/v1/boxers/00000000-0000-0000-0000-000000000000/")
    malformed = client_for(user).get("/api/v1/boxers/not-a-uuid/")

    assert missing.status_code == 404
    assert malformed.status_code == 404
    assert missing.json()["code"] == "not_found"
