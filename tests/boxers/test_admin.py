"""Django admin for boxers (search, filters, verify action, fights inline) and coach links."""

import pytest
from django.test import Client, TestCase

from boxers.models import Boxer, CoachLink
from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory
from tests.clubs.factories import ClubFactory


@pytest.fixture
def admin_client_(db):
    client = Client()
    client.force_login(AdminFactory())
    return client


def test_changelist_searches_and_filters(admin_client_):
    club = ClubFactory()
    BoxerFactory(name="Gwen Findme", experience_level="advanced", club=club, is_verified=True)
    BoxerFactory(name="Other Person")

    searched = admin_client_.get("/admin/boxers/boxer/", {"q": "findme"})
    filtered = admin_client_.get(
        "/admin/boxers/boxer/",
        {"experience_level__exact": "advanced", "club__id__exact": str(club.pk), "is_verified__exact": "1"},
    )

    assert searched.status_code == 200
    assert b"Gwen Findme" in searched.content
    assert b"Other Person" not in searched.content
    assert filtered.status_code == 200
    assert b"Gwen Findme" in filtered.content
    assert b"Other Person" not in filtered.content


def test_verify_action_marks_selected_boxers(admin_client_):
    chosen = BoxerFactory()
    untouched = BoxerFactory()

    response = admin_client_.post(
        "/admin/boxers/boxer/", {"action": "verify", "_selected_action": [str(chosen.pk)]}, follow=True
    )

    assert response.status_code == 200
    assert Boxer.objects.get(pk=chosen.pk).is_verified is True
    assert Boxer.objects.get(pk=untouched.pk).is_verified is False


def test_change_page_shows_fights_inline(admin_client_):
    fight = FightFactory(opponent_name="Inline Opponent")

    response = admin_client_.get(f"/admin/boxers/boxer/{fight.boxer_id}/change/")

    assert response.status_code == 200
    assert b"Inline Opponent" in response.content


def test_coach_links_admin_lists_and_removal_ends_rights(admin_client_, client_for):
    link = CoachLinkFactory(rights=["edit_profile"])
    coach = client_for(link.coach)
    url = f"/api/v1/boxers/{link.boxer_id}/"
    assert coach.patch(url, {"city": "Conwy"}, format="json").status_code == 200

    listed = admin_client_.get("/admin/boxers/coachlink/")
    with TestCase.captureOnCommitCallbacks(execute=True):
        deleted = admin_client_.post(f"/admin/boxers/coachlink/{link.pk}/delete/", {"post": "yes"})

    assert listed.status_code == 200
    assert deleted.status_code == 302
    assert not CoachLink.objects.filter(pk=link.pk).exists()
    assert coach.patch(url, {"city": "Rhyl"}, format="json").status_code == 403
