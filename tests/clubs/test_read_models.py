"""The club read models (clubs/readmodels.py): a warm clubs page, club detail or regions list
costs no SQL, and never serves what the database no longer says.

Every path that writes what they show (club create/update/delete/import, owner changes,
members joining or leaving, the Django admin) shows on the very next read, with the read
models warm before the write; a rotation serves nothing old; with Redis stopped they are
served from PostgreSQL; every spelling of one query is one cached page; contacts are shown to
exactly whom the rule allows. Real PostgreSQL and Redis.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from boxerconnect.cache import stamped
from clubs.models import Club
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory, MembershipRequestFactory
from tests.support.clients import ClientPool, CommitClient, admin_site_client
from tests.support.counting import read_events, replay_events

pytestmark = pytest.mark.django_db

LIST, REGIONS = "/api/v1/clubs/", "/api/v1/clubs/regions/"
CONTACT = ("contact_name", "contact_email", "contact_phone")


def committed():
    """Run the on_commit callbacks (read-model bumps) of writes made outside a request."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response


def uncached(client, url: str, **extra):
    with override_settings(READ_MODEL_CACHE=False):
        return client.get(url, **extra)


def item(page: dict, club) -> dict | None:
    return next((c for c in page["results"] if c["id"] == str(club.pk)), None)


@dataclass
class World:
    """`club` ("Aber ABC", South Division, owned by `owner`, two member boxers, one of them
    `boxer`), `other` (North Division, no owner); `applicant` has a pending request to club."""

    admin: Any
    owner: Any
    club: Club
    other: Club
    boxer: Any
    applicant: Any
    membership: Any
    tmp_path: Any
    _clients: ClientPool = field(default_factory=ClientPool)

    def client(self, user=None) -> CommitClient:
        return self._clients.get(user)

    def admin_site(self) -> Client:
        return admin_site_client(self.admin)

    @property
    def detail_url(self) -> str:
        return f"{LIST}{self.club.pk}/"

    @property
    def pages(self) -> dict[str, str]:
        return {"all": f"{LIST}?page_size=100", "south": f"{LIST}?region=south&page_size=100"}


@pytest.fixture
def world(tmp_path) -> World:
    owner = GymOwnerFactory(name="Olwen Owner")
    club = ClubFactory(
        name="Aber ABC", owner=owner, region="South Division", postcode="CF10 5LB", contact_name="Olwen"
    )
    other = ClubFactory(name="Other ABC", region="North Division")
    boxer = BoxerFactory(club=club)
    BoxerFactory(club=club)
    applicant = BoxerFactory()
    ClubCoachFactory(club=club)
    return World(
        admin=AdminFactory(),
        owner=owner,
        club=club,
        other=other,
        boxer=boxer,
        applicant=applicant,
        membership=MembershipRequestFactory(user=applicant.user, club=club),
        tmp_path=tmp_path,
    )


@dataclass
class Snapshot:
    """The club's detail (anonymous; None if 404), as its owner, each page and the regions."""

    detail: dict | None
    owner_detail: dict | None
    pages: dict[str, dict]
    regions: list[str]


def read(w: World, get: Callable) -> Snapshot:
    def body(client, url):
        response = get(client, url)
        assert response.status_code in (200, 401, 404), response.content  # 401: a deleted caller
        return response.json() if response.status_code == 200 else None

    pages = {name: body(w.client(), url) for name, url in w.pages.items()}
    return Snapshot(
        body(w.client(), w.detail_url),
        body(w.client(w.owner), w.detail_url),
        pages,
        body(w.client(), REGIONS),
    )


def warm(w: World) -> None:
    """Every page read twice: stored by the first read; the second, served from the read
    models, is remembered for replay (boxerconnect/api/replay.py), so the read after a write
    is checked against it."""
    with replay_events() as replays:
        for _ in range(2):
            read(w, lambda client, url: client.get(url))
    assert replays.recorded  # remembered: the test tests the replay check too


def admin_form_data(response) -> dict[str, Any]:
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False:
                continue
            data[form[name].html_name] = "" if value is None else value
    return data


# --- Write paths -----------------------------------------------------------------------------


def create_club_api(w):
    body = {"name": "Newcomer ABC", "region": "South Wales Valleys", "is_published": True}
    ok(w.client(w.admin).post(LIST, body, format="json"), 201)


def expect_new_club(w, before, after):
    names = [c["name"] for c in after.pages["all"]["results"]]
    assert "Newcomer ABC" in names and after.pages["all"]["count"] == before.pages["all"]["count"] + 1
    assert "Newcomer ABC" in [c["name"] for c in after.pages["south"]["results"]]
    assert after.regions == sorted([*before.regions, "South Wales Valleys"])


def update_club_owner_api(w):
    body = {"name": "Renamed ABC", "accepting_members": False, "region": "West Division"}
    ok(w.client(w.owner).patch(w.detail_url, body, format="json"))


def expect_updated(w, before, after):
    for shown in (after.detail, after.owner_detail, item(after.pages["all"], w.club)):
        assert (shown["name"], shown["accepting_members"], shown["region"]) == (
            "Renamed ABC",
            False,
            "West Division",
        )
    assert item(after.pages["south"], w.club) is None
    assert after.regions == ["North Division", "West Division"]


def unpublish_admin_api(w):
    ok(w.client(w.admin).patch(w.detail_url, {"is_published": False}, format="json"))


def unpublish_admin_action(w):
    with committed():
        response = w.admin_site().post(
            "/admin/clubs/club/", {"action": "unpublish", "_selected_action": [str(w.club.pk)]}
        )
    assert response.status_code == 302


def expect_unpublished(w, before, after):
    assert after.detail is None  # anonymous: 404
    assert after.owner_detail["is_published"] is False
    assert item(after.pages["all"], w.club) is None
    assert after.pages["south"]["results"] == []
    assert after.regions == ["North Division"]


def delete_club_admin_api(w):
    ok(w.client(w.admin).delete(w.detail_url), 204)


def delete_club_admin_action(w):
    with committed():
        response = w.admin_site().post(
            "/admin/clubs/club/",
            {"action": "delete_selected", "_selected_action": [str(w.club.pk)], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Club.objects.filter(pk=w.club.pk).exists()


def expect_deleted(w, before, after):
    assert after.detail is None and after.owner_detail is None
    assert item(after.pages["all"], w.club) is None
    assert after.regions == ["North Division"]


def change_club_admin_form(w):
    site = w.admin_site()
    url = f"/admin/clubs/club/{w.club.pk}/change/"
    data = {**admin_form_data(site.get(url)), "name": "Renamed ABC", "region": "West Division"}
    data = {k: v for k, v in data.items() if v is not False}
    data.pop("accepting_members")  # unchecked: a checkbox sends nothing
    with committed():
        response = site.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def import_clubs_command(w):
    path = w.tmp_path / "clubs.json"
    rows = [
        {"name": "ABER ABC", "postcode": "CF10 5LB", "region": "West Division"},
        {"name": "Imported ABC", "postcode": "SA1 1AA", "region": "South Division"},
    ]
    path.write_text(json.dumps(rows))
    out = StringIO()
    with committed():
        call_command("import_clubs", str(path), stdout=out, stderr=StringIO())
    assert "updated 1" in out.getvalue(), out.getvalue()


def expect_imported(w, before, after):
    assert after.detail["name"] == "ABER ABC" and after.detail["region"] == "West Division"
    assert item(after.pages["all"], w.club)["name"] == "ABER ABC"
    assert after.regions == ["North Division", "West Division"]  # imported clubs start unpublished
    assert Club.objects.filter(name="Imported ABC", is_published=False).exists()


def set_owner_admin_api(w):
    new_owner = GymOwnerFactory(name="Nia Newowner")
    ok(w.client(w.admin).put(f"{w.detail_url}owner/", {"user": str(new_owner.pk)}, format="json"))


def expect_owner(name: str | None, *, replaced: bool = False):
    def expect(w, before, after):
        assert before.detail["owner"]["name"] == "Olwen Owner"
        assert set(CONTACT) <= set(before.owner_detail)
        for shown in (after.detail, item(after.pages["all"], w.club), item(after.pages["south"], w.club)):
            assert (shown["owner"] or {}).get("name") == name
        if replaced:  # no longer its club: no contacts
            assert not set(CONTACT) & set(after.owner_detail)

    return expect


def rename_owner_me_api(w):
    ok(w.client(w.owner).patch("/api/v1/auth/me/", {"name": "Olwen Renamed"}, format="json"))


def rename_owner_django_admin(w):
    site = w.admin_site()
    url = f"/admin/accounts/user/{w.owner.pk}/change/"
    data = {**admin_form_data(site.get(url)), "name": "Olwen Renamed"}
    data = {k: v for k, v in data.items() if v is not False}
    with committed():
        response = site.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def delete_owner_service(w):
    with committed():
        account_services.user_delete(user=w.owner)


def approve_membership_api(w):
    ok(w.client(w.owner).post(f"/api/v1/membership-requests/{w.membership.pk}/approve/"))


def approve_membership_admin_action(w):
    with committed():
        response = w.admin_site().post(
            "/admin/clubs/membershiprequest/",
            {"action": "approve", "_selected_action": [str(w.membership.pk)]},
        )
    assert response.status_code == 302


def club_boxer_account_api(w):
    body = {"email": "newcomer@example.com", "name": "Newcomer"}
    ok(w.client(w.owner).post(f"{w.detail_url}boxer-accounts/", body, format="json"), 201)


def leave_club_api(w):
    ok(w.client(w.boxer.user).post(f"/api/v1/boxers/{w.boxer.pk}/leave-club/"), 204)


def club_removes_boxer_api(w):
    ok(w.client(w.owner).delete(f"{w.detail_url}boxers/{w.boxer.pk}/"), 204)


def soft_delete_boxer_api(w):
    ok(w.client(w.boxer.user).delete(f"/api/v1/boxers/{w.boxer.pk}/"), 204)


def delete_boxer_django_admin(w):
    with committed():
        response = w.admin_site().post(f"/admin/boxers/boxer/{w.boxer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302


def move_boxer_django_admin(w):
    site = w.admin_site()
    url = f"/admin/boxers/boxer/{w.boxer.pk}/change/"
    data = {**admin_form_data(site.get(url)), "club": str(w.other.pk)}
    data = {k: v for k, v in data.items() if v is not False}
    with committed():
        response = site.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def expect_members(delta: int):
    def expect(w, before, after):
        assert before.detail["member_count"] == 2
        for shown in (after.detail, after.owner_detail, item(after.pages["all"], w.club)):
            assert shown["member_count"] == 2 + delta

    return expect


WRITE_PATHS = [
    ("club-create-admin-api", create_club_api, expect_new_club),
    ("club-update-owner-api", update_club_owner_api, expect_updated),
    ("club-unpublish-admin-api", unpublish_admin_api, expect_unpublished),
    ("club-unpublish-django-admin", unpublish_admin_action, expect_unpublished),
    ("club-delete-admin-api", delete_club_admin_api, expect_deleted),
    ("club-delete-django-admin", delete_club_admin_action, expect_deleted),
    ("club-change-django-admin", change_club_admin_form, expect_updated),
    ("import-clubs-command", import_clubs_command, expect_imported),
    ("owner-set-admin-api", set_owner_admin_api, expect_owner("Nia Newowner", replaced=True)),
    ("owner-renamed-me-api", rename_owner_me_api, expect_owner("Olwen Renamed")),
    ("owner-renamed-django-admin", rename_owner_django_admin, expect_owner("Olwen Renamed")),
    ("owner-deleted-service", delete_owner_service, expect_owner(None)),
    ("membership-approved-api", approve_membership_api, expect_members(+1)),
    ("membership-approved-django-admin", approve_membership_admin_action, expect_members(+1)),
    ("club-boxer-account-api", club_boxer_account_api, expect_members(+1)),
    ("leave-club-api", leave_club_api, expect_members(-1)),
    ("club-removes-boxer-api", club_removes_boxer_api, expect_members(-1)),
    ("boxer-soft-deleted-api", soft_delete_boxer_api, expect_members(-1)),
    ("boxer-deleted-django-admin", delete_boxer_django_admin, expect_members(-1)),
    ("boxer-moved-django-admin", move_boxer_django_admin, expect_members(-1)),
]


@pytest.mark.parametrize(("write", "expect"), [p[1:] for p in WRITE_PATHS], ids=[p[0] for p in WRITE_PATHS])
def test_every_write_path_shows_on_the_very_next_read(world, write, expect):
    w = world
    warm(w)
    with read_events("club") as club, read_events("clubs") as pages, read_events("regions") as regions:
        before = read(w, lambda client, url: client.get(url))
    assert (club.hit, club.miss, pages.hit, pages.miss, regions.hit) == (2, 0, 2, 0, 1)

    write(w)

    after = read(w, lambda client, url: client.get(url))
    assert after == read(w, uncached)  # what PostgreSQL says, field for field
    expect(w, before, after)


def test_a_coach_invitation_or_a_membership_request_voids_nothing(world):
    """Neither shows in these bodies: the read models stay warm through them."""
    w = world
    warm(w)
    coach = CoachFactory()
    ok(w.client(w.owner).post(f"{w.detail_url}coaches/", {"user": str(coach.pk)}, format="json"), 201)
    ok(w.client(BoxerFactory().user).post(f"{w.detail_url}membership-requests/", {}, format="json"), 201)
    with read_events("club") as club, read_events("clubs") as pages, read_events("regions") as regions:
        after = read(w, lambda client, url: client.get(url))
    assert (club.hit, pages.hit, regions.hit) == (2, 2, 1)
    assert after == read(w, uncached)


# --- Warm reads cost no SQL --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "owner", "admin", "other-owner"])
def test_warm_reads_cost_no_sql_and_show_contacts_to_exactly_whom_the_rule_allows(world, who):
    w = world
    user = {"anonymous": None, "owner": w.owner, "admin": w.admin, "other-owner": GymOwnerFactory()}[who]
    client = w.client(user)
    urls = [w.pages["all"], w.pages["south"], w.detail_url, f"{LIST}{w.other.pk}/", REGIONS]
    for url in urls:
        ok(client.get(url))

    with CaptureQueriesContext(connection) as queries:
        bodies = [ok(client.get(url)).json() for url in urls]

    assert len(queries) == 0, [q["sql"] for q in queries]
    assert bodies == [uncached(client, url).json() for url in urls]
    shown = {c["name"]: set(CONTACT) <= set(c) for c in bodies[0]["results"]}
    assert shown == {"Aber ABC": who in ("owner", "admin"), "Other ABC": who == "admin"}
    assert (set(CONTACT) <= set(bodies[2])) == (who in ("owner", "admin"))
    assert (
        bodies[2]["contact_name"] == "Olwen" if who in ("owner", "admin") else "contact_name" not in bodies[2]
    )
    assert bodies[4] == ["North Division", "South Division"]


# --- One page per query, whatever its spelling --------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?region=South&page_size=100",
        "?page_size=100&region=south",
        "?region=SOUTH%20&page_size=100&utm_source=x",
        "?region=south&page_size=100&page=1",
    ],
    ids=["plain", "reordered", "case-space-junk", "default-page"],
)
def test_every_spelling_of_one_query_is_one_cached_page(world, query):
    w = world
    api = w.client()
    ok(api.get(f"{LIST}?region=south&page_size=100"))
    with read_events("clubs") as pages:
        response = ok(api.get(LIST + query))
    assert (pages.hit, pages.miss) == (1, 0)
    assert [c["name"] for c in response.json()["results"]] == ["Aber ABC"]
    assert len(caches["guarded"].keys("read:f:clubdir*")) == 1


def test_page_links_name_the_canonical_query(world):
    ClubFactory.create_batch(3, region="South Division")
    api = world.client()
    first = ok(api.get(f"{LIST}?x=1&page_size=2&region=SOUTH")).json()
    assert first["next"] == "http://testserver/api/v1/clubs/?page=2&page_size=2&region=south"
    second = ok(api.get(first["next"])).json()
    assert second["previous"] == "http://testserver/api/v1/clubs/?page_size=2&region=south"
    assert second == uncached(api, f"{LIST}?page=2&page_size=2&region=south").json()


def test_an_empty_page_or_an_error_is_never_stored(world):
    api = world.client()
    with read_events("clubs") as pages:
        assert ok(api.get(f"{LIST}?search=nothing-matches")).json()["results"] == []
        assert api.get(f"{LIST}?accepting_members=maybe").status_code == 400
        assert api.get(f"{LIST}?page=99").status_code == 404
    assert pages.hit == 0
    assert caches["guarded"].keys("read:f:clubdir*") == []


# --- Rotation, Redis down ---------------------------------------------------------------------------


def test_after_a_rotation_nothing_old_is_served(world):
    w = world
    warm(w)
    # A write nobody announced (QuerySet.update sends no signal): served until the rotation.
    Club.objects.filter(pk=w.club.pk).update(name="Quietly Renamed", region="East Division")
    assert read(w, lambda client, url: client.get(url)).detail["name"] == "Aber ABC"

    stamped.rotate()

    after = read(w, lambda client, url: client.get(url))
    assert after.detail["name"] == item(after.pages["all"], w.club)["name"] == "Quietly Renamed"
    assert after.regions == ["East Division", "North Division"]
    assert after == read(w, uncached)


@pytest.mark.fault
def test_with_redis_stopped_the_clubs_are_served_from_postgresql(private_redis, world):
    w = world
    warm(w)
    private_redis.stop()
    ok(w.client(w.owner).patch(w.detail_url, {"name": "Renamed ABC"}, format="json"))  # its bump is lost

    with read_events("club") as club, read_events("clubs") as pages:
        after = read(w, lambda client, url: client.get(url))

    assert (club.hit, pages.hit) == (0, 0)
    assert club.bypass + pages.bypass >= 1
    assert after.detail["name"] == item(after.pages["all"], w.club)["name"] == "Renamed ABC"
    assert after == read(w, uncached)
