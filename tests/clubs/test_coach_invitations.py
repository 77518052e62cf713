"""Coaches join a club by consent (API.md "Clubs", changed): the owner's POST /coaches/ is an
invitation that grants nothing until the coach accepts; the coach may decline or leave; a
coach is active at one club at most, while invitations from several clubs may wait."""

import threading

import pytest
from django.db import connection

from boxerconnect.api.errors import Conflict
from clubs import services
from clubs.models import ClubCoach, ClubCoachStatus
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory

pytestmark = pytest.mark.django_db


def url(club, suffix=""):
    return f"/api/v1/clubs/{club.pk}/{suffix}"


@pytest.fixture
def owner():
    return GymOwnerFactory()


@pytest.fixture
def club(owner):
    return ClubFactory(owner=owner, name="Home ABC")


def test_an_invitation_grants_the_coach_nothing_at_the_club(client_for, owner, club):
    """The attack: an owner attaches any coach and so gets it member access (and the coach's
    name onto the club) without its consent."""
    member = BoxerFactory(club=club, is_searchable=False)  # a hidden member
    coach = CoachFactory()
    coach_client = client_for(coach)

    response = client_for(owner).post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "invited"
    assert coach_client.get(url(club, "members/")).status_code == 403
    assert coach_client.get(f"/api/v1/boxers/{member.pk}/").status_code == 404
    assert client_for(owner).get(url(club, "members/")).json()["coaches"] == []
    check = coach_client.get(
        "/api/v1/permissions/check/",
        {"action": "club.view_members", "resource_type": "club", "resource_id": str(club.pk)},
    )
    assert check.json()["allowed"] is False


def test_the_coach_declines_and_the_invitation_is_gone(client_for, owner, club):
    coach = CoachFactory()
    client_for(owner).post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")

    response = client_for(coach).post(url(club, f"coaches/{coach.pk}/decline/"))

    assert response.status_code == 204
    assert not ClubCoach.objects.filter(coach=coach).exists()
    assert client_for(coach).post(url(club, f"coaches/{coach.pk}/accept/")).status_code == 404


def test_a_coach_leaves_and_loses_member_access_on_its_next_request(client_for, club):
    coach = ClubCoachFactory(club=club).coach
    coach_client = client_for(coach)
    assert coach_client.get(url(club, "members/")).status_code == 200

    response = coach_client.delete(url(club, f"coaches/{coach.pk}/"))

    assert response.status_code == 204
    assert coach_client.get(url(club, "members/")).status_code == 403
    assert coach_client.delete(url(club, f"coaches/{coach.pk}/")).status_code == 404


def test_invitations_from_several_clubs_wait_but_only_one_can_be_active(client_for, owner, club):
    other_owner = GymOwnerFactory()
    other_club = ClubFactory(owner=other_owner)
    coach = CoachFactory()
    coach_client = client_for(coach)
    for who, where in ((owner, club), (other_owner, other_club)):
        invited = client_for(who).post(url(where, "coaches/"), {"user": str(coach.pk)}, format="json")
        assert invited.status_code == 201

    assert coach_client.post(url(club, f"coaches/{coach.pk}/accept/")).status_code == 200
    refused = coach_client.post(url(other_club, f"coaches/{coach.pk}/accept/"))
    assert (refused.status_code, refused.json()["code"]) == (409, "coach_in_another_club")
    assert coach_client.get(url(other_club, "members/")).status_code == 403
    third_owner = GymOwnerFactory()
    third = client_for(third_owner).post(
        url(ClubFactory(owner=third_owner), "coaches/"), {"user": str(coach.pk)}, format="json"
    )
    assert (third.status_code, third.json()["code"]) == (409, "coach_in_another_club")

    assert coach_client.delete(url(club, f"coaches/{coach.pk}/")).status_code == 204
    assert coach_client.post(url(other_club, f"coaches/{coach.pk}/accept/")).status_code == 200
    assert coach_client.get(url(other_club, "members/")).status_code == 200
    assert coach_client.get(url(club, "members/")).status_code == 403


def test_accepting_twice_or_declining_an_active_position_is_409(client_for, owner, club):
    coach = CoachFactory()
    client_for(owner).post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")
    coach_client = client_for(coach)
    assert coach_client.post(url(club, f"coaches/{coach.pk}/accept/")).status_code == 200

    again = coach_client.post(url(club, f"coaches/{coach.pk}/accept/"))
    declined = coach_client.post(url(club, f"coaches/{coach.pk}/decline/"))

    assert (again.status_code, again.json()["code"]) == (409, "not_invited")
    assert (declined.status_code, declined.json()["code"]) == (409, "not_invited")
    assert ClubCoach.objects.get(coach=coach).status == ClubCoachStatus.ACTIVE


def test_nobody_accepts_for_the_coach(client_for, owner, club):
    coach = CoachFactory()
    client_for(owner).post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")
    linked_coach = CoachLinkFactory().coach  # any other coach

    for user, status in ((owner, 403), (linked_coach, 404)):
        response = client_for(user).post(url(club, f"coaches/{coach.pk}/accept/"))
        assert response.status_code == status
    assert ClubCoach.objects.get(coach=coach).status == ClubCoachStatus.INVITED


def test_inviting_twice_is_409_and_an_owner_may_withdraw_an_invitation(client_for, owner, club):
    coach = CoachFactory()
    owner_client = client_for(owner)
    owner_client.post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")

    twice = owner_client.post(url(club, "coaches/"), {"user": str(coach.pk)}, format="json")
    withdrawn = owner_client.delete(url(club, f"coaches/{coach.pk}/"))

    assert (twice.status_code, twice.json()["code"]) == (409, "coach_already_invited")
    assert withdrawn.status_code == 204
    assert client_for(coach).post(url(club, f"coaches/{coach.pk}/accept/")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_leave_the_coach_active_at_one_club():
    coach = CoachFactory()
    invitations = [
        ClubCoachFactory(club=ClubFactory(), coach=coach, status=ClubCoachStatus.INVITED) for _ in range(2)
    ]
    outcomes = []
    barrier = threading.Barrier(2)

    def accept(invitation):
        try:
            barrier.wait()
            services.club_coach_accept(club_coach=invitation)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(invitation,)) for invitation in invitations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "ok"]
    assert ClubCoach.objects.filter(coach=coach, status=ClubCoachStatus.ACTIVE).count() == 1


def test_the_django_admin_shows_the_status_and_cannot_activate(client, owner, club):
    invitation = ClubCoachFactory(club=club, status=ClubCoachStatus.INVITED)
    client.force_login(AdminFactory())

    listing = client.get("/admin/clubs/clubcoach/?status__exact=invited")
    page = client.get(f"/admin/clubs/clubcoach/{invitation.pk}/change/")

    assert listing.status_code == 200 and invitation.coach.email in listing.content.decode()
    assert "status" not in page.context["adminform"].form.fields  # read-only
    assert "Invited" in page.content.decode()
