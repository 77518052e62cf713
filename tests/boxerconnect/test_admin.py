"""Django admin: reachable at /admin/ with the custom user registered, named for BoxerConnect."""

import datetime

import pytest

from tests.accounts.factories import AdminFactory, UserFactory
from tests.boxers.factories import CoachLinkFactory, FightFactory
from tests.clubs.factories import ClubCoachFactory, MembershipRequestFactory

pytestmark = pytest.mark.django_db


def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_superuser_sees_the_custom_user_in_the_admin(client):
    admin = AdminFactory()
    listed = UserFactory(email="listed@example.com")
    client.force_login(admin)

    changelist = client.get("/admin/accounts/user/")
    change = client.get(f"/admin/accounts/user/{listed.pk}/change/")

    assert changelist.status_code == 200
    assert b"listed@example.com" in changelist.content
    assert change.status_code == 200


def test_admin_requires_a_login(client):
    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_admin_session_does_not_authenticate_the_api(client):
    # JWT is the only API authentication: a Django admin session cookie is not a credential
    # (no CSRF-prone cookie auth on the JSON API).
    client.force_login(AdminFactory())

    response = client.get("/api/v1/auth/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- What the admin says ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_the_admin_is_named_boxerconnect_administration(admin_client):
    index = admin_client.get("/admin/").content.decode()

    assert "<title>Boxers, clubs and users | BoxerConnect administration</title>" in index
    assert ">BoxerConnect administration<" in index
    assert "Django administration" not in index


def test_unused_groups_are_not_offered_and_club_coaches_are_spelled_right(admin_client):
    index = admin_client.get("/admin/").content.decode()

    assert admin_client.get("/admin/auth/group/").status_code == 404
    assert "Groups" not in index
    assert "Club coaches" in index
    assert "coachs" not in index.lower()


def test_fights_read_date_opponent_and_result():
    fight = FightFactory(date=datetime.date(2026, 3, 14), opponent_name="Kieran Doyle", result="no_contest")

    assert str(fight) == "2026-03-14 \N{EN DASH} Kieran Doyle (no contest)"


def test_links_coaches_and_requests_read_with_names_not_ids():
    link = CoachLinkFactory(coach__name="Dai Pritchard", boxer__name="Tomos Williams", status="pending")
    club_coach = ClubCoachFactory(coach__name="Megan Lloyd", club__name="Tiger Bay ABC")
    request = MembershipRequestFactory(user__name="Alys Parry", club__name="Grange ABC")

    assert str(link) == "Dai Pritchard coaches Tomos Williams (pending)"
    assert str(club_coach) == "Megan Lloyd coaches at Tiger Bay ABC"
    assert str(request) == "Alys Parry → Grange ABC (pending)"


def test_the_admin_shows_the_requesters_message(admin_client):
    request = MembershipRequestFactory(message="Twelve bouts, southpaw.")

    page = admin_client.get(f"/admin/clubs/membershiprequest/{request.pk}/change/").content.decode()

    assert "Twelve bouts, southpaw." in page
