"""Django admin for clubs: lists, filters, actions through the services (with invalidation)."""

import pytest
from django.test import Client

from boxers.models import Boxer
from clubs.models import Club, ClubCoach, MembershipRequest, MembershipStatus
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory, MembershipRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site(django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(AdminFactory())
    return client


def act(client, model, action, objects, capture):
    with capture(execute=True):
        return client.post(
            f"/admin/clubs/{model}/",
            {"action": action, "_selected_action": [str(o.pk) for o in objects]},
            follow=True,
        )


@pytest.mark.parametrize("model", ["club", "clubcoach", "membershiprequest"])
def test_changelists_load_with_search_and_filters(admin_site, model):
    ClubCoachFactory()
    MembershipRequestFactory()

    response = admin_site.get(f"/admin/clubs/{model}/", {"q": "ABC"})

    assert response.status_code == 200


def test_club_changelist_filters_by_region_published_and_verified(admin_site):
    ClubFactory(name="North One", region="North Division", is_published=False, is_verified=True)
    ClubFactory(name="South One", region="South Division")

    response = admin_site.get(
        "/admin/clubs/club/",
        {"region": "North Division", "is_published__exact": "0", "is_verified__exact": "1"},
    )

    assert response.status_code == 200
    assert "North One" in response.content.decode()
    assert "South One" not in response.content.decode()


def test_publish_action_makes_the_club_visible_on_the_next_request(
    admin_site, api, django_capture_on_commit_callbacks
):
    club = ClubFactory(is_published=False)
    assert api.get(f"/api/v1/clubs/{club.pk}/").status_code == 404

    act(admin_site, "club", "publish", [club], django_capture_on_commit_callbacks)

    club.refresh_from_db()
    assert club.is_published
    assert api.get(f"/api/v1/clubs/{club.pk}/").status_code == 200


def test_verify_action_verifies(admin_site, django_capture_on_commit_callbacks):
    clubs = [ClubFactory(), ClubFactory()]

    act(admin_site, "club", "verify", clubs, django_capture_on_commit_callbacks)

    assert Club.objects.filter(is_verified=True).count() == 2


def test_admin_owner_change_moves_rights_on_the_next_request(
    admin_site, client_for, django_capture_on_commit_callbacks
):
    old, new = GymOwnerFactory(), GymOwnerFactory()
    club = ClubFactory(owner=old)
    old_client, new_client = client_for(old), client_for(new)
    assert old_client.get(f"/api/v1/clubs/{club.pk}/members/").status_code == 200
    assert new_client.get(f"/api/v1/clubs/{club.pk}/members/").status_code == 403
    form = admin_site.get(f"/admin/clubs/club/{club.pk}/change/").context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(owner=str(new.pk), is_published="on", accepting_members="on")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site.post(f"/admin/clubs/club/{club.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert new_client.get(f"/api/v1/clubs/{club.pk}/members/").status_code == 200
    assert old_client.get(f"/api/v1/clubs/{club.pk}/members/").status_code == 403


def test_admin_delete_keeps_member_profiles(admin_site, django_capture_on_commit_callbacks):
    club = ClubFactory()
    member = BoxerFactory(club=club)

    with django_capture_on_commit_callbacks(execute=True):
        admin_site.post(
            "/admin/clubs/club/",
            {"action": "delete_selected", "_selected_action": [str(club.pk)], "post": "yes"},
        )

    assert not Club.objects.filter(pk=club.pk).exists()
    assert Boxer.objects.get(pk=member.pk).club_id is None


def test_coach_detached_in_admin_loses_member_access(
    admin_site, client_for, django_capture_on_commit_callbacks
):
    club_coach = ClubCoachFactory(coach=CoachFactory())
    coach_client = client_for(club_coach.coach)
    url = f"/api/v1/clubs/{club_coach.club_id}/members/"
    assert coach_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        admin_site.post(f"/admin/clubs/clubcoach/{club_coach.pk}/delete/", {"post": "yes"})

    assert not ClubCoach.objects.exists()
    assert coach_client.get(url).status_code == 403


def test_approve_action_moves_the_boxer_through_the_service(admin_site, django_capture_on_commit_callbacks):
    boxer = BoxerFactory()
    request = MembershipRequestFactory(user=boxer.user)

    response = act(admin_site, "membershiprequest", "approve", [request], django_capture_on_commit_callbacks)

    assert "1 request(s) approved" in response.content.decode()
    request.refresh_from_db()
    boxer.refresh_from_db()
    assert request.status == MembershipStatus.APPROVED
    assert request.reviewed_by is not None
    assert boxer.club_id == request.club_id


def test_reject_action_and_finished_requests_are_reported_not_changed(
    admin_site, django_capture_on_commit_callbacks
):
    pending = MembershipRequestFactory()
    cancelled = MembershipRequestFactory(status=MembershipStatus.CANCELLED)

    response = act(
        admin_site, "membershiprequest", "reject", [pending, cancelled], django_capture_on_commit_callbacks
    )

    body = response.content.decode()
    assert "1 request(s) rejected" in body
    assert "no longer pending" in body
    assert MembershipRequest.objects.get(pk=pending.pk).status == MembershipStatus.REJECTED
    assert MembershipRequest.objects.get(pk=cancelled.pk).status == MembershipStatus.CANCELLED


def test_membership_requests_cannot_be_added_or_edited_in_admin(admin_site):
    request = MembershipRequestFactory()

    add = admin_site.get("/admin/clubs/membershiprequest/add/")
    change = admin_site.post(f"/admin/clubs/membershiprequest/{request.pk}/change/", {"status": "approved"})

    assert add.status_code == 403
    assert change.status_code == 403
    request.refresh_from_db()
    assert request.status == MembershipStatus.PENDING
