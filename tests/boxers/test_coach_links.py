"""Coach links: request, accept (narrowing), decline, rights changes and removal, each seen at once."""

import pytest

from boxers.models import CoachLink
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory

LINKS = "/api/v1/coach-links/"
LINK_KEYS = {"id", "coach", "boxer", "status", "rights", "created_at"}


def link_url(link_id, action=""):
    return f"{LINKS}{link_id}/{action + '/' if action else ''}"


@pytest.fixture
def parties(db, client_for):
    """A hidden boxer profile, its owner's client and an unlinked coach's client."""
    boxer = BoxerFactory(name="Hidden Hannah", is_searchable=False)
    coach = CoachFactory(name="Coach Carter")
    return boxer, client_for(boxer.user), coach, client_for(coach)


def edit(client, boxer, city="Tenby"):
    return client.patch(f"/api/v1/boxers/{boxer.pk}/", {"city": city}, format="json")


def add_fight(client, boxer):
    return client.post(
        f"/api/v1/boxers/{boxer.pk}/fights/",
        {"opponent_name": "Rival", "date": "2024-01-01", "result": "win"},
        format="json",
    )


def test_full_lifecycle_takes_effect_on_each_next_request(db, client_for):
    boxer = BoxerFactory(name="Bryn")
    coach = CoachFactory(name="Coach Carter")
    owner, coach_client = client_for(boxer.user), client_for(coach)

    requested = coach_client.post(
        LINKS, {"boxer": str(boxer.pk), "rights": ["edit_profile", "manage_fights"]}, format="json"
    )
    assert requested.status_code == 201
    body = requested.json()
    assert set(body) == LINK_KEYS
    assert body["status"] == "pending"
    assert body["coach"] == {"id": str(coach.pk), "name": "Coach Carter"}
    assert body["boxer"] == {"id": str(boxer.pk), "name": "Bryn"}
    assert sorted(body["rights"]) == ["edit_profile", "manage_fights"]
    link_id = body["id"]
    assert edit(coach_client, boxer).status_code == 403  # pending gives nothing

    accepted = owner.post(link_url(link_id, "accept"), {"rights": ["edit_profile"]}, format="json")
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["rights"]) == ("active", ["edit_profile"])
    assert edit(coach_client, boxer).status_code == 200
    assert add_fight(coach_client, boxer).status_code == 403  # narrowed away

    granted = owner.patch(link_url(link_id), {"rights": ["manage_fights"]}, format="json")
    assert granted.status_code == 200
    assert add_fight(coach_client, boxer).status_code == 201
    assert edit(coach_client, boxer).status_code == 403  # revoked: the very next request

    removed = owner.delete(link_url(link_id))
    assert removed.status_code == 204
    assert add_fight(coach_client, boxer).status_code == 403
    assert not CoachLink.objects.filter(pk=link_id).exists()


def test_coach_removing_its_own_link_loses_rights_and_hidden_visibility(parties):
    boxer, _, coach, coach_client = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, rights=["edit_profile"])
    assert edit(coach_client, boxer).status_code == 200

    response = coach_client.delete(link_url(link.pk))

    assert response.status_code == 204
    assert coach_client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 404


def test_accepting_makes_a_hidden_profile_visible_to_the_coach(parties, client_for):
    boxer, owner, coach, coach_client = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, status="pending", rights=[])
    assert coach_client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 404

    owner.post(link_url(link.pk, "accept"), format="json")

    assert coach_client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200
    assert coach_client.get(f"/api/v1/boxers/{boxer.pk}/fights/").status_code == 200
    assert edit(coach_client, boxer).status_code == 403


def test_accept_cannot_widen_the_requested_rights(parties):
    boxer, owner, coach, _ = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, status="pending", rights=["edit_profile"])

    response = owner.post(link_url(link.pk, "accept"), {"rights": ["manage_fights"]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["rights"]
    link.refresh_from_db()
    assert (link.status, link.rights) == ("pending", ["edit_profile"])


def test_accept_without_rights_keeps_the_requested_ones(parties):
    boxer, owner, coach, _ = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, status="pending", rights=["manage_fights"])

    response = owner.post(link_url(link.pk, "accept"))

    assert response.status_code == 200
    assert response.json()["rights"] == ["manage_fights"]


def test_decline_removes_a_pending_link_and_the_coach_may_ask_again(parties):
    boxer, owner, coach, coach_client = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, status="pending")
    BoxerFactory()  # unrelated

    declined = owner.post(link_url(link.pk, "decline"))
    again = coach_client.post(LINKS, {"boxer": str(boxer.pk)}, format="json")

    assert declined.status_code == 204
    assert not CoachLink.objects.filter(pk=link.pk).exists()
    assert again.status_code == 404  # hidden profile: without a link the coach cannot see it


def test_a_coach_cannot_grant_itself_rights(parties):
    boxer, _, coach, coach_client = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer, status="active", rights=[])

    patched = coach_client.patch(link_url(link.pk), {"rights": ["edit_profile"]}, format="json")

    assert patched.status_code == 403
    link.refresh_from_db()
    assert link.rights == []
    assert edit(coach_client, boxer).status_code == 403


def test_duplicate_request_is_a_conflict(db, client_for):
    boxer = BoxerFactory()
    coach = CoachFactory()
    client = client_for(coach)
    assert client.post(LINKS, {"boxer": str(boxer.pk)}, format="json").status_code == 201

    response = client.post(LINKS, {"boxer": str(boxer.pk), "rights": ["edit_profile"]}, format="json")

    assert response.status_code == 409
    assert CoachLink.objects.filter(coach=coach).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "boxer"),
        ({"boxer": "not-a-uuid"}, "boxer"),
        ({"boxer": "{boxer}", "rights": ["admin"]}, "rights"),
        ({"boxer": "{boxer}", "rights": "edit_profile"}, "rights"),
    ],
)
def test_invalid_link_requests_are_400(db, client_for, payload, field):
    boxer = BoxerFactory()
    payload = {k: v.format(boxer=boxer.pk) if isinstance(v, str) else v for k, v in payload.items()}

    response = client_for(CoachFactory()).post(LINKS, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_request_for_a_missing_boxer_is_404(db, client_for):
    response = client_for(CoachFactory()).post(
        LINKS, {"boxer": "00000000-0000-0000-0000-000000000000"}, format="json"
    )

    assert response.status_code == 404


def test_invalid_rights_on_patch_are_400(parties):
    boxer, owner, coach, _ = parties
    link = CoachLinkFactory(coach=coach, boxer=boxer)

    missing = owner.patch(link_url(link.pk), {}, format="json")
    unknown = owner.patch(link_url(link.pk), {"rights": ["everything"]}, format="json")

    assert (missing.status_code, unknown.status_code) == (400, 400)


def test_list_shows_only_the_callers_links(db, client_for):
    mine = CoachLinkFactory()
    others = CoachLinkFactory()
    own_boxer_link = CoachLinkFactory(boxer=mine.boxer)  # another coach of the same boxer

    as_coach = client_for(mine.coach).get(LINKS).json()
    as_owner = client_for(mine.boxer.user).get(LINKS).json()
    as_stranger = client_for(GymOwnerFactory()).get(LINKS).json()
    as_admin = client_for(AdminFactory()).get(LINKS).json()

    assert [r["id"] for r in as_coach["results"]] == [str(mine.pk)]
    assert {r["id"] for r in as_owner["results"]} == {str(mine.pk), str(own_boxer_link.pk)}
    assert as_stranger["count"] == 0
    assert as_admin["count"] == 3
    assert str(others.pk) in {r["id"] for r in as_admin["results"]}


def test_link_list_query_count_is_constant(db, client_for, django_assert_max_num_queries):
    owner = BoxerFactory()
    for _ in range(8):
        CoachLinkFactory(boxer=owner)
    client = client_for(owner.user)
    client.get(LINKS)  # warm the caller's cached facts

    with django_assert_max_num_queries(2):
        response = client.get(LINKS, {"page_size": 100})

    assert response.json()["count"] == 8


# --- A link names its boxer only to those who may view the profile ------------------------


@pytest.mark.parametrize("change", ["soft-deleted", "hidden before accepting"])
def test_a_link_names_its_boxer_only_to_those_who_may_still_view_the_profile(db, client_for, change):
    """The attack: a soft-deleted profile (404 for its coach everywhere else) kept its name in
    the coach's link list. The link stays visible, so the coach may still remove it."""
    boxer = BoxerFactory(name="Gwen Gone")
    coach = CoachFactory()
    status = "active" if change == "soft-deleted" else "pending"
    link = CoachLinkFactory(coach=coach, boxer=boxer, status=status)
    owner, coach_client = client_for(boxer.user), client_for(coach)
    assert coach_client.get(LINKS).json()["results"][0]["boxer"]["name"] == "Gwen Gone"

    if change == "soft-deleted":
        assert owner.delete(f"/api/v1/boxers/{boxer.pk}/").status_code == 204
    else:
        assert (
            owner.patch(f"/api/v1/boxers/{boxer.pk}/", {"is_searchable": False}, format="json").status_code
            == 200
        )

    listed = coach_client.get(LINKS)
    single = coach_client.get(link_url(link.pk))
    assert listed.json()["results"][0]["id"] == str(link.pk)
    assert listed.json()["results"][0]["boxer"] is None
    assert single.status_code == 200 and single.json()["boxer"] is None
    for response in (listed, single):
        assert "Gwen Gone" not in response.content.decode()
        assert str(boxer.pk) not in response.content.decode()
    assert coach_client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 404  # list = check
    for who in (owner, client_for(AdminFactory())):
        assert who.get(LINKS).json()["results"][0]["boxer"] == {"id": str(boxer.pk), "name": "Gwen Gone"}
        assert who.get(link_url(link.pk)).json()["boxer"]["name"] == "Gwen Gone"
    assert coach_client.delete(link_url(link.pk)).status_code == 204
