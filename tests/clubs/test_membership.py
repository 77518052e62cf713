"""The membership state machine: pending → approved | rejected | cancelled, nothing else."""

import threading

import pytest
from django.db import connection

from boxerconnect.api.errors import Conflict
from boxers.models import Boxer
from clubs import services
from clubs.models import MembershipRequest, MembershipStatus
from tests.accounts.factories import AdminFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in MembershipStatus]
FINAL = [MembershipStatus.APPROVED, MembershipStatus.REJECTED, MembershipStatus.CANCELLED]


def _url(request, action=""):
    return f"/api/v1/membership-requests/{request.pk}/{action + '/' if action else ''}"


@pytest.fixture
def owner():
    return GymOwnerFactory()


@pytest.fixture
def club(owner):
    return ClubFactory(owner=owner)


@pytest.fixture
def boxer():
    return BoxerFactory()


def test_boxer_requests_to_join_and_gets_a_pending_request(client_for, club, boxer):
    response = client_for(boxer.user).post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["club"] == {"id": str(club.pk), "name": club.name}
    assert body["user"] == {"id": str(boxer.user.pk), "name": boxer.user.name}
    assert body["boxer_id"] == str(boxer.pk)
    assert body["reviewed_at"] is None
    assert body["message"] == ""
    assert set(body) == {
        "id",
        "club",
        "user",
        "boxer_id",
        "status",
        "message",
        "notes",
        "created_at",
        "reviewed_at",
    }


# --- The requester's message ------------------------------------------------------------------

MESSAGE = "Southpaw, 12 bouts, can train Tuesday and Thursday evenings."


def test_the_requesters_message_is_stored_and_shown_to_the_club_owner(client_for, club, owner, boxer):
    response = client_for(boxer.user).post(
        f"/api/v1/clubs/{club.pk}/membership-requests/", {"message": MESSAGE}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["message"] == MESSAGE
    assert MembershipRequest.objects.get(pk=response.json()["id"]).message == MESSAGE
    listed = client_for(owner).get(f"/api/v1/clubs/{club.pk}/membership-requests/").json()["results"]
    assert [r["message"] for r in listed] == [MESSAGE]
    detail = client_for(owner).get(_url(MembershipRequest.objects.get())).json()
    assert detail["message"] == MESSAGE


def test_the_requester_sees_its_own_message_and_the_reviewers_notes_apart(client_for, club, owner, boxer):
    client_for(boxer.user).post(
        f"/api/v1/clubs/{club.pk}/membership-requests/", {"message": MESSAGE}, format="json"
    )
    request = MembershipRequest.objects.get()
    client_for(owner).post(_url(request, "reject"), {"notes": "Full until September."}, format="json")

    mine = client_for(boxer.user).get("/api/v1/membership-requests/").json()["results"]

    assert [(r["message"], r["notes"]) for r in mine] == [(MESSAGE, "Full until September.")]


def test_a_message_of_1000_characters_is_accepted_and_one_more_is_400(client_for, club, boxer):
    client = client_for(boxer.user)
    url = f"/api/v1/clubs/{club.pk}/membership-requests/"

    too_long = client.post(url, {"message": "x" * 1001}, format="json")
    longest = client.post(url, {"message": "x" * 1000}, format="json")

    assert too_long.status_code == 400
    assert "message" in too_long.json()
    assert longest.status_code == 201


@pytest.mark.parametrize(
    "body", [{"message": ["a list"]}, {"message": {"an": "object"}}, ["not", "an object"]]
)
def test_a_message_that_is_not_text_is_400(client_for, club, boxer, body):
    response = client_for(boxer.user).post(
        f"/api/v1/clubs/{club.pk}/membership-requests/", body, format="json"
    )

    assert response.status_code == 400
    assert not MembershipRequest.objects.exists()


def test_second_pending_request_to_the_same_club_is_a_conflict(client_for, club, boxer):
    client = client_for(boxer.user)
    client.post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    response = client.post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 409
    assert response.json()["code"] == "membership_pending"
    assert MembershipRequest.objects.filter(user=boxer.user, club=club).count() == 1


@pytest.mark.parametrize("status", FINAL)
def test_a_new_request_is_allowed_after_a_finished_one(client_for, club, boxer, status):
    MembershipRequestFactory(user=boxer.user, club=club, status=status)

    response = client_for(boxer.user).post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 201


def test_request_to_a_club_not_accepting_members_is_400(client_for, boxer):
    club = ClubFactory(accepting_members=False)

    response = client_for(boxer.user).post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 400
    assert response.json()["code"] == "not_accepting_members"
    assert not MembershipRequest.objects.exists()


def test_user_without_boxer_profile_cannot_request_even_when_club_is_closed(client_for):
    from tests.accounts.factories import UserFactory

    club = ClubFactory(accepting_members=False)

    response = client_for(UserFactory()).post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 403


def test_member_requesting_its_own_club_is_a_conflict(client_for, club):
    member = BoxerFactory(club=club)

    response = client_for(member.user).post(f"/api/v1/clubs/{club.pk}/membership-requests/")

    assert response.status_code == 409


def test_approve_moves_the_boxer_into_the_club_leaving_its_old_one(client_for, club, owner):
    old_club = ClubFactory()
    boxer = BoxerFactory(club=old_club)
    request = MembershipRequestFactory(user=boxer.user, club=club)

    response = client_for(owner).post(_url(request, "approve"))

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["reviewed_at"] is not None
    boxer.refresh_from_db()
    assert boxer.club_id == club.pk
    request.refresh_from_db()
    assert request.reviewed_by == owner


def test_approved_boxer_sees_the_members_list_on_its_next_request(client_for, club, owner, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)
    boxer_client = client_for(boxer.user)
    assert boxer_client.get(f"/api/v1/clubs/{club.pk}/members/").status_code == 403

    client_for(owner).post(_url(request, "approve"))

    response = boxer_client.get(f"/api/v1/clubs/{club.pk}/members/")
    assert response.status_code == 200
    assert str(boxer.pk) in [b["id"] for b in response.json()["boxers"]]


def test_reject_keeps_notes_and_leaves_the_boxer_where_it_was(client_for, club, owner, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)

    response = client_for(owner).post(_url(request, "reject"), {"notes": "Full this season"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["notes"] == "Full this season"
    boxer.refresh_from_db()
    assert boxer.club_id is None


def test_requester_cancels_a_pending_request(client_for, club, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)

    response = client_for(boxer.user).delete(_url(request))

    assert response.status_code == 204
    request.refresh_from_db()
    assert request.status == MembershipStatus.CANCELLED


@pytest.mark.parametrize("status", FINAL)
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_reviewing_a_finished_request_is_a_conflict(client_for, club, owner, boxer, status, action):
    request = MembershipRequestFactory(user=boxer.user, club=club, status=status)

    response = client_for(owner).post(_url(request, action), {}, format="json")

    assert response.status_code == 409
    request.refresh_from_db()
    assert request.status == status


@pytest.mark.parametrize("status", FINAL)
def test_cancelling_a_finished_request_is_a_conflict(client_for, club, boxer, status):
    request = MembershipRequestFactory(user=boxer.user, club=club, status=status)

    response = client_for(boxer.user).delete(_url(request))

    assert response.status_code == 409
    request.refresh_from_db()
    assert request.status == status


def test_rejected_request_is_not_approved_and_boxer_stays_out(client_for, club, owner, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club, status=MembershipStatus.REJECTED)

    client_for(AdminFactory()).post(_url(request, "approve"))

    boxer.refresh_from_db()
    assert boxer.club_id is None


def test_requester_cannot_review_its_own_request(client_for, club, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)

    approve = client_for(boxer.user).post(_url(request, "approve"))
    reject = client_for(boxer.user).post(_url(request, "reject"), {}, format="json")

    assert (approve.status_code, reject.status_code) == (403, 403)
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING


def test_owner_cannot_cancel_a_request_to_its_club(client_for, club, owner, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)

    response = client_for(owner).delete(_url(request))

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING


def test_own_requests_list_shows_only_the_callers_requests(client_for, club, boxer):
    mine = MembershipRequestFactory(user=boxer.user, club=club)
    MembershipRequestFactory(club=club)

    response = client_for(boxer.user).get("/api/v1/membership-requests/")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_club_requests_list_filters_by_status_and_rejects_unknown_status(client_for, club, owner):
    pending = MembershipRequestFactory(club=club)
    MembershipRequestFactory(club=club, status=MembershipStatus.REJECTED)
    client = client_for(owner)

    filtered = client.get(f"/api/v1/clubs/{club.pk}/membership-requests/?status=pending")
    everything = client.get(f"/api/v1/clubs/{club.pk}/membership-requests/")
    bad = client.get(f"/api/v1/clubs/{club.pk}/membership-requests/?status=maybe")

    assert [r["id"] for r in filtered.json()["results"]] == [str(pending.pk)]
    assert everything.json()["count"] == 2
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_service_transitions_are_conditional_on_pending(club, boxer):
    request = MembershipRequestFactory(user=boxer.user, club=club)
    stale_copy = MembershipRequest.objects.get(pk=request.pk)
    services.membership_request_cancel(request=request)

    with pytest.raises(Conflict):
        services.membership_request_approve(request=stale_copy, reviewer=None)

    assert Boxer.objects.get(pk=boxer.pk).club_id is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_cancel_let_exactly_one_win():
    club = ClubFactory()
    boxer = BoxerFactory()
    request = MembershipRequestFactory(user=boxer.user, club=club)
    outcomes = []
    barrier = threading.Barrier(2)

    def run(action):
        try:
            barrier.wait()
            fresh = MembershipRequest.objects.select_related("club").get(pk=request.pk)
            action(fresh)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    def approve(r):
        services.membership_request_approve(request=r, reviewer=None)

    def cancel(r):
        services.membership_request_cancel(request=r)

    threads = [threading.Thread(target=run, args=(action,)) for action in (approve, cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "ok"]
    request.refresh_from_db()
    boxer.refresh_from_db()
    assert (request.status == MembershipStatus.APPROVED) == (boxer.club_id == club.pk)
