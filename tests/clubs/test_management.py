"""Club management: create, edit, owners, delete, members, coaches, owner-created boxer accounts."""

import re

import pytest
from django.core import mail

from accounts.models import PasswordResetToken, User
from boxerconnect.jobs.worker import run_due_jobs
from boxers.models import Boxer
from clubs.models import Club, ClubCoach
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return GymOwnerFactory()


@pytest.fixture
def club(owner):
    return ClubFactory(owner=owner, name="Home ABC")


@pytest.fixture
def admin_client(client_for):
    return client_for(AdminFactory())


def url(club, suffix=""):
    return f"/api/v1/clubs/{club.pk}/{suffix}"


# --- create / update ------------------------------------------------------------------------


def test_admin_creates_an_unpublished_club_with_an_owner(admin_client, owner):
    response = admin_client.post(
        "/api/v1/clubs/",
        {"name": "Fresh ABC", "region": "West Division", "latitude": "51.5", "owner": str(owner.pk)},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["id"] == str(owner.pk)
    assert body["is_published"] is False
    assert body["member_count"] == 0
    assert "contact_email" in body  # the admin sees contact details


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "X", "latitude": 91},
        {"name": "X", "longitude": "east"},
        {"name": "X", "accepting_members": "maybe"},
        {"name": "X", "website": "not a url"},
        {"name": "X", "contact_email": "nope"},
        {"name": "X", "owner": "not-a-uuid"},
        {"name": "X", "owner": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_invalid_club_input_is_400(admin_client, payload):
    response = admin_client.post("/api/v1/clubs/", payload, format="json")

    assert response.status_code == 400
    assert not Club.objects.exists()


def test_malformed_json_is_400(admin_client):
    response = admin_client.post("/api/v1/clubs/", "{not json", content_type="application/json")

    assert response.status_code == 400


def test_owner_edits_profile_fields_and_omitted_fields_stay(client_for, owner, club):
    club.description = "Old"
    club.save()

    response = client_for(owner).patch(
        url(club), {"city": "Bangor", "website": "https://home.example.org"}, format="json"
    )

    assert response.status_code == 200
    club.refresh_from_db()
    assert (club.city, club.website, club.description) == ("Bangor", "https://home.example.org", "Old")


@pytest.mark.parametrize(
    "payload", [{"is_verified": True}, {"owner": None}, {"city": "X", "is_verified": False}]
)
def test_owner_changing_owner_or_verification_is_403_and_changes_nothing(client_for, owner, club, payload):
    response = client_for(owner).patch(url(club), payload, format="json")

    assert response.status_code == 403
    club.refresh_from_db()
    assert (club.owner_id, club.is_verified, club.city) == (owner.pk, False, "Cardiff")


def test_admin_verifies_a_club(admin_client, club):
    response = admin_client.patch(url(club), {"is_verified": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_verified"] is True


def test_owner_unpublishing_hides_the_club_on_the_next_request(client_for, api, owner, club):
    assert api.get(url(club)).status_code == 200

    client_for(owner).patch(url(club), {"is_published": False}, format="json")

    assert api.get(url(club)).status_code == 404
    assert client_for(owner).get(url(club)).status_code == 200


def test_closing_a_club_turns_new_requests_into_400(client_for, owner, club):
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    client.get(url(club))  # facts cached while open

    client_for(owner).patch(url(club), {"accepting_members": False}, format="json")

    assert client.post(url(club, "membership-requests/")).status_code == 400


# --- owners ---------------------------------------------------------------------------------


def test_setting_an_owner_moves_the_rights_on_the_next_request(client_for, admin_client, owner, club):
    new_owner = GymOwnerFactory()
    old_client, new_client = client_for(owner), client_for(new_owner)
    assert new_client.patch(url(club), {"city": "A"}, format="json").status_code == 403

    response = admin_client.put(url(club, "owner/"), {"user": str(new_owner.pk)}, format="json")

    assert response.status_code == 200
    assert response.json()["owner"]["id"] == str(new_owner.pk)
    assert new_client.patch(url(club), {"city": "B"}, format="json").status_code == 200
    assert old_client.patch(url(club), {"city": "C"}, format="json").status_code == 403


@pytest.mark.parametrize("make", [UserFactory, CoachFactory, AdminFactory])
def test_owner_must_be_a_gym_owner(admin_client, club, owner, make):
    response = admin_client.put(url(club, "owner/"), {"user": str(make().pk)}, format="json")

    assert response.status_code == 400
    assert "user" in response.json()
    club.refresh_from_db()
    assert club.owner_id == owner.pk


@pytest.mark.parametrize("user", ["00000000-0000-0000-0000-000000000000", "nope", 7])
def test_unknown_or_malformed_owner_is_400(admin_client, club, user):
    assert admin_client.put(url(club, "owner/"), {"user": user}, format="json").status_code == 400


def test_admin_can_remove_the_owner(admin_client, client_for, owner, club):
    response = admin_client.put(url(club, "owner/"), {"user": None}, format="json")

    assert response.status_code == 200
    assert response.json()["owner"] is None
    assert client_for(owner).patch(url(club), {"city": "A"}, format="json").status_code == 403


# --- delete ---------------------------------------------------------------------------------


def test_deleting_a_club_keeps_member_profiles_and_ends_club_rights(client_for, admin_client, owner, club):
    member = BoxerFactory(club=club)
    coach = ClubCoachFactory(club=club).coach
    member_client = client_for(member.user)
    assert member_client.get(url(club, "members/")).status_code == 200

    response = admin_client.delete(url(club))

    assert response.status_code == 204
    member.refresh_from_db()
    assert member.club_id is None and member.is_active
    assert not ClubCoach.objects.filter(coach=coach).exists()
    assert member_client.get(url(club, "members/")).status_code == 404
    assert client_for(owner).get("/api/v1/clubs/mine/").json()["count"] == 0


# --- members and coaches --------------------------------------------------------------------


def test_members_lists_active_boxers_and_coaches(client_for, owner, club):
    boxer = BoxerFactory(club=club, name="Bryn", experience_level="amateur")
    BoxerFactory(club=club, is_active=False)
    head = ClubCoachFactory(club=club, is_head=True).coach

    response = client_for(owner).get(url(club, "members/"))

    assert response.json() == {
        "boxers": [
            {
                "id": str(boxer.pk),
                "name": "Bryn",
                "experience_level": "amateur",
                "wins": 0,
                "losses": 0,
                "draws": 0,
            }
        ],
        "coaches": [{"id": str(head.pk), "name": head.name, "is_head": True}],
    }


def test_owner_removes_a_boxer_who_then_loses_member_access(client_for, owner, club):
    boxer = BoxerFactory(club=club)
    boxer_client = client_for(boxer.user)
    assert boxer_client.get(url(club, "members/")).status_code == 200

    response = client_for(owner).delete(url(club, f"boxers/{boxer.pk}/"))

    assert response.status_code == 204
    boxer.refresh_from_db()
    assert boxer.club_id is None
    assert boxer_client.get(url(club, "members/")).status_code == 403


def test_removing_a_boxer_of_another_club_is_404(client_for, owner, club):
    stranger = BoxerFactory(club=ClubFactory())

    response = client_for(owner).delete(url(club, f"boxers/{stranger.pk}/"))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.club_id is not None


def test_an_invited_coach_sees_members_only_once_it_accepts_and_loses_it_when_removed(
    client_for, owner, club
):
    coach = CoachFactory()
    coach_client, owner_client = client_for(coach), client_for(owner)
    assert coach_client.get(url(club, "members/")).status_code == 403

    invited = owner_client.post(
        url(club, "coaches/"), {"user": str(coach.pk), "is_head": True}, format="json"
    )

    assert invited.status_code == 201
    assert invited.json() == {"user": str(coach.pk), "is_head": True, "status": "invited"}
    assert coach_client.get(url(club, "members/")).status_code == 403  # an invitation grants nothing
    assert owner_client.get(url(club, "members/")).json()["coaches"] == []

    accepted = coach_client.post(url(club, f"coaches/{coach.pk}/accept/"))

    assert accepted.status_code == 200 and accepted.json() == {"status": "active"}
    assert coach_client.get(url(club, "members/")).status_code == 200
    assert owner_client.get(url(club, "members/")).json()["coaches"] == [
        {"id": str(coach.pk), "name": coach.name, "is_head": True}
    ]

    removed = owner_client.delete(url(club, f"coaches/{coach.pk}/"))

    assert removed.status_code == 204
    assert coach_client.get(url(club, "members/")).status_code == 403


@pytest.mark.parametrize("make", [UserFactory, GymOwnerFactory, AdminFactory])
def test_only_coaches_can_be_added_as_coaches(client_for, owner, club, make):
    response = client_for(owner).post(url(club, "coaches/"), {"user": str(make().pk)}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("payload", [{}, {"user": "nope"}, {"user": "00000000-0000-0000-0000-000000000000"}])
def test_bad_coach_input_is_400(client_for, owner, club, payload):
    assert client_for(owner).post(url(club, "coaches/"), payload, format="json").status_code == 400


@pytest.mark.parametrize("elsewhere", [True, False])
def test_a_coach_already_in_a_club_is_409(client_for, owner, club, elsewhere):
    coach = ClubCoachFactory(club=ClubFactory() if elsewhere else club).coach

    response = client_for(owner).post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")

    assert response.status_code == 409


def test_removing_a_coach_of_another_club_is_404(client_for, owner, club):
    coach = ClubCoachFactory(club=ClubFactory()).coach

    assert client_for(owner).delete(url(club, f"coaches/{coach.pk}/")).status_code == 404
    assert ClubCoach.objects.filter(coach=coach).exists()


# --- owner-created boxer accounts -----------------------------------------------------------


def test_owner_creates_a_boxer_account_without_knowing_its_password(client_for, api, owner, club, settings):
    settings.FRONTEND_URL = "https://app.example.org"
    mail.outbox.clear()

    response = client_for(owner).post(
        url(club, "boxer-accounts/"),
        {"email": "Nia.Boxer@Example.com", "name": "Nia Boxer", "weight_kg": "57.5", "gender": "female"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "boxer"}
    assert "password" not in str(body).lower()
    assert body["user"]["email"] == "nia.boxer@example.com"
    assert body["user"]["role"] == "boxer"
    assert body["boxer"]["club"] == {"id": str(club.pk), "name": club.name}
    assert body["boxer"]["weight_kg"] == 57.5
    user = User.objects.get(email="nia.boxer@example.com")
    assert not user.has_usable_password()
    assert Boxer.objects.get(user=user).club_id == club.pk
    assert mail.outbox == []  # the request only enqueued it
    run_due_jobs()  # the worker sends it
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia.boxer@example.com"]
    token = re.search(r"https://app\.example\.org/reset-password\?token=(\S+)", message.body).group(1)
    assert PasswordResetToken.objects.filter(user=user, used_at=None).count() == 1

    # The boxer (not the owner) chooses the password through the reset flow, then logs in.
    confirm = api.post(
        "/api/v1/auth/password/reset/confirm/",
        {"token": token, "new_password": "Brand-New-Secret-42"},
        format="json",
    )
    assert confirm.status_code == 204
    login = api.post(
        "/api/v1/auth/login/",
        {"email": "nia.boxer@example.com", "password": "Brand-New-Secret-42"},
        format="json",
    )
    assert login.status_code == 200


def test_the_new_account_is_a_club_member(client_for, owner, club):
    client = client_for(owner)
    client.post(url(club, "boxer-accounts/"), {"email": "a@example.com", "name": "Aled"}, format="json")

    members = client.get(url(club, "members/")).json()

    assert [b["name"] for b in members["boxers"]] == ["Aled"]


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "No Email"},
        {"email": "not-an-email", "name": "X"},
        {"email": "x@example.com"},
        {"email": "x@example.com", "name": "X", "weight_kg": 300},
        {"email": "x@example.com", "name": "X", "experience_level": "legend"},
        {"email": "x@example.com", "name": "X", "date_of_birth": "2999-01-01"},
    ],
)
def test_invalid_boxer_account_input_creates_nothing_and_sends_nothing(client_for, owner, club, payload):
    mail.outbox.clear()

    response = client_for(owner).post(url(club, "boxer-accounts/"), payload, format="json")
    run_due_jobs()

    assert response.status_code == 400
    assert not User.objects.filter(email="x@example.com").exists()
    assert mail.outbox == []


def test_taken_email_is_400_and_sends_nothing(client_for, owner, club):
    UserFactory(email="taken@example.com")
    mail.outbox.clear()

    response = client_for(owner).post(
        url(club, "boxer-accounts/"), {"email": "TAKEN@example.com", "name": "Dup"}, format="json"
    )
    run_due_jobs()

    assert response.status_code == 400
    assert "email" in response.json()
    assert mail.outbox == []


def test_admin_patching_owner_to_a_non_gym_owner_is_400_on_owner(admin_client, club, owner):
    response = admin_client.patch(url(club), {"owner": str(CoachFactory().pk)}, format="json")

    assert response.status_code == 400
    assert "owner" in response.json()
    club.refresh_from_db()
    assert club.owner_id == owner.pk
