"""The read-model cache (boxers/readmodels.py) never serves what the database no longer says.

Every path that writes what a boxer profile or the public directory shows (the API, the
services, the Django admin, import_clubs, a plain ORM save) shows on the very next read, with
the read models warm before the write. A reader that raced a write stores nothing stale; a
rotation or a flush serves nothing old; errors are never stored; each URI has its own page;
the cache can be turned off; a hit renders the same bytes as the miss that stored it.

Tests run on real PostgreSQL and Redis. Writes made outside a request run their on_commit
callbacks (the generation bumps) as a real commit would.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save, pre_delete
from django.test import Client, TestCase, override_settings
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache import stamped
from boxers import readmodels
from boxers import services as boxer_services
from boxers.models import Boxer, FightResult
from clubs.models import Club
from tests.accounts.factories import PASSWORD, AdminFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory
from tests.support.auth import token_from_last_mail
from tests.support.auth_flows import CHANGED
from tests.support.clients import ClientPool, CommitClient, admin_site_client, authenticate
from tests.support.counting import read_events

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/boxers/"


def committed():
    """Run the on_commit callbacks (read-model bumps) of writes made outside a request."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def warm(client, url: str, **extra):
    """GET `url` twice: stored by the first read, served from the cache by the second."""
    client.get(url, **extra)
    return client.get(url, **extra)


def uncached(client, url: str, **extra):
    """What `url` answers straight from PostgreSQL (the read models turned off)."""
    with override_settings(READ_MODEL_CACHE=False):
        return client.get(url, **extra)


def entry(page: dict, boxer) -> dict | None:
    """The boxer's item on a directory page, or None when it is not listed."""
    return next((item for item in page["results"] if item["id"] == str(boxer.pk)), None)


def directory_entries() -> int:
    """How many directory pages the cache holds."""
    return len(caches["guarded"].keys("read:f:directory*"))


# --- The world every write path starts from ---------------------------------------------


@dataclass
class World:
    """`boxer` (70.50 kg, Cardiff, one win) is a member of `club` ("Aber ABC", owned by
    `club_owner`); `bystander` is a Cardiff boxer of the same club; `coach` manages the boxer's
    fights; the boxer has a pending request to join `other_club` (owned by `other_owner`)."""

    admin: Any
    club_owner: Any
    club: Club
    other_owner: Any
    other_club: Club
    boxer: Boxer
    bystander: Boxer
    coach: Any
    fight: Any
    membership: Any
    tmp_path: Any
    _clients: ClientPool = field(default_factory=ClientPool)

    def client(self, user=None) -> CommitClient:
        """An API client for `user` (None: anonymous), one per user."""
        return self._clients.get(user)

    def admin_site(self) -> Client:
        """Django's test client logged in to the Django admin as the admin."""
        return admin_site_client(self.admin)

    @property
    def detail_url(self) -> str:
        return f"/api/v1/boxers/{self.boxer.pk}/"

    @property
    def pages(self) -> dict[str, str]:
        """Directory pages that list the boxer before any write."""
        return {
            "all": f"{DIRECTORY}?page_size=100",
            "cardiff": f"{DIRECTORY}?city=Cardiff&page_size=100",
            "club": f"{DIRECTORY}?club={self.club.pk}&page_size=100",
        }


@pytest.fixture
def world(tmp_path) -> World:
    club_owner, other_owner = GymOwnerFactory(), GymOwnerFactory()
    club = ClubFactory(name="Aber ABC", owner=club_owner, postcode="CF10 5LB", region="South Division")
    other_club = ClubFactory(name="Other ABC", owner=other_owner)
    boxer = BoxerFactory(name="Target Boxer", club=club, city="Cardiff", weight_kg=Decimal("70.50"))
    bystander = BoxerFactory(name="Bystander", club=club, city="Cardiff")
    coach = CoachLinkFactory(boxer=boxer, rights=["manage_fights"]).coach
    fight = FightFactory(boxer=boxer, result=FightResult.WIN)
    boxer_services.boxer_recompute_record(boxer=boxer)
    return World(
        admin=AdminFactory(),
        club_owner=club_owner,
        club=club,
        other_owner=other_owner,
        other_club=other_club,
        boxer=boxer,
        bystander=bystander,
        coach=coach,
        fight=fight,
        membership=MembershipRequestFactory(user=boxer.user, club=other_club),
        tmp_path=tmp_path,
    )


@dataclass
class Snapshot:
    """What the boxer's detail (as the admin; None if 404) and each directory page show."""

    detail: dict | None
    pages: dict[str, dict]


def read(w: World, get: Callable) -> Snapshot:
    response = get(w.client(w.admin), w.detail_url)
    detail = response.json() if response.status_code == 200 else None
    assert response.status_code in (200, 404), response.content
    pages = {}
    for name, url in w.pages.items():
        response = get(w.client(), url)
        assert response.status_code == 200, response.content
        pages[name] = response.json()
    return Snapshot(detail, pages)


def admin_form_data(response) -> dict[str, Any]:
    """The POST data of a Django admin change page as it stands (main form and inlines)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False:
                continue  # an unchecked checkbox sends nothing
            data[form[name].html_name] = "" if value is None else value
    return data


def admin_change(w: World, model: str, pk, **changes) -> None:
    """POST the Django admin change form of one row with `changes` (committed)."""
    site = w.admin_site()
    url = f"/admin/{model}/{pk}/change/"
    data = {**admin_form_data(site.get(url)), **changes}
    data = {k: v for k, v in data.items() if v is not False}
    with committed():
        response = site.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def admin_action(w: World, model: str, action: str, pks: list) -> None:
    with committed():
        response = w.admin_site().post(
            f"/admin/{model}/", {"action": action, "_selected_action": [str(pk) for pk in pks]}
        )
    assert response.status_code == 302


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response


# --- Write paths: each one writes, its `expect` checks what the next reads show ------------


def patch_profile_api(w):
    body = {"name": "Renamed Boxer", "city": "Newport", "weight_kg": "72.25"}
    ok(w.client(w.boxer.user).patch(w.detail_url, body, format="json"))


def expect_profile_patched(w, before, after):
    assert (after.detail["name"], after.detail["city"], after.detail["weight_kg"]) == (
        "Renamed Boxer",
        "Newport",
        72.25,
    )
    assert entry(after.pages["all"], w.boxer)["name"] == "Renamed Boxer"
    assert entry(after.pages["cardiff"], w.boxer) is None


def hide_profile_api(w):
    ok(w.client(w.boxer.user).patch(w.detail_url, {"is_searchable": False}, format="json"))


def expect_unlisted(w, before, after):
    for name, page in after.pages.items():
        assert entry(page, w.boxer) is None, name
        assert page["count"] == before.pages[name]["count"] - 1, name


def expect_hidden(w, before, after):
    assert after.detail["is_searchable"] is False
    expect_unlisted(w, before, after)


def soft_delete_api(w):
    ok(w.client(w.boxer.user).delete(w.detail_url), 204)


def expect_soft_deleted(w, before, after):
    assert after.detail["updated_at"] > before.detail["updated_at"]
    expect_unlisted(w, before, after)


def create_fight_api(w):
    body = {"opponent_name": "Rival", "date": "2025-06-01", "result": "loss"}
    ok(w.client(w.coach).post(f"{w.detail_url}fights/", body, format="json"), 201)


def update_fight_api(w):
    url = f"{w.detail_url}fights/{w.fight.pk}/"
    ok(w.client(w.coach).patch(url, {"result": "loss"}, format="json"))


def delete_fight_api(w):
    ok(w.client(w.coach).delete(f"{w.detail_url}fights/{w.fight.pk}/"), 204)


def expect_record(wins: int, losses: int):
    def expect(w, before, after):
        assert (before.detail["wins"], before.detail["losses"]) == (1, 0)
        assert (after.detail["wins"], after.detail["losses"]) == (wins, losses)
        for name, page in after.pages.items():
            listed = entry(page, w.boxer)
            assert (listed["wins"], listed["losses"]) == (wins, losses), name

    return expect


def rename_club_owner_api(w):
    ok(w.client(w.club_owner).patch(f"/api/v1/clubs/{w.club.pk}/", {"name": "Renamed ABC"}, format="json"))


def rename_club_admin_form(w):
    admin_change(w, "clubs/club", w.club.pk, name="Renamed ABC")


def expect_club_name(name: str):
    def expect(w, before, after):
        assert before.detail["club"] == {"id": str(w.club.pk), "name": "Aber ABC"}
        assert after.detail["club"] == {"id": str(w.club.pk), "name": name}
        for page_name, page in after.pages.items():
            assert entry(page, w.boxer)["club"]["name"] == name, page_name
            assert entry(page, w.bystander)["club"]["name"] == name, page_name

    return expect


def import_clubs_command(w):
    # Matched by name (case and spacing ignored) and postcode: the club's name is updated.
    path = w.tmp_path / "clubs.json"
    path.write_text(json.dumps([{"name": "ABER ABC", "postcode": "CF10 5LB", "region": "South Division"}]))
    out = StringIO()
    with committed():
        call_command("import_clubs", str(path), stdout=out, stderr=StringIO())
    assert "updated 1" in out.getvalue()


def delete_club_admin_api(w):
    ok(w.client(w.admin).delete(f"/api/v1/clubs/{w.club.pk}/"), 204)


def delete_club_admin_action(w):
    with committed():
        response = w.admin_site().post(
            "/admin/clubs/club/",
            {"action": "delete_selected", "_selected_action": [str(w.club.pk)], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Club.objects.filter(pk=w.club.pk).exists()


def expect_clubless(w, before, after):
    assert after.detail["club"] is None
    assert entry(after.pages["all"], w.boxer)["club"] is None
    assert entry(after.pages["club"], w.boxer) is None


def approve_membership_api(w):
    ok(w.client(w.other_owner).post(f"/api/v1/membership-requests/{w.membership.pk}/approve/"))


def approve_membership_admin_action(w):
    admin_action(w, "clubs/membershiprequest", "approve", [w.membership.pk])


def expect_moved_to_other_club(w, before, after):
    assert after.detail["club"] == {"id": str(w.other_club.pk), "name": "Other ABC"}
    assert entry(after.pages["all"], w.boxer)["club"]["name"] == "Other ABC"
    assert entry(after.pages["club"], w.boxer) is None


def leave_club_api(w):
    ok(w.client(w.boxer.user).post(f"{w.detail_url}leave-club/"), 204)


def club_removes_boxer_api(w):
    ok(w.client(w.club_owner).delete(f"/api/v1/clubs/{w.club.pk}/boxers/{w.boxer.pk}/"), 204)


def deactivate_user_admin_api(w):
    ok(
        w.client(w.admin).patch(
            f"/api/v1/admin/users/{w.boxer.user_id}/", {"is_active": False}, format="json"
        )
    )


def deactivate_user_admin_form(w):
    admin_change(w, "accounts/user", w.boxer.user_id, is_active=False)


def deactivate_user_service(w):
    with committed():
        account_services.user_deactivate(user=w.boxer.user)


def reactivate_user_admin_api(w):
    ok(w.client(w.admin).patch(f"/api/v1/admin/users/{w.boxer.user_id}/", {"is_active": True}, format="json"))


def expect_relisted(w, before, after):
    for name, page in after.pages.items():
        assert entry(before.pages[name], w.boxer) is None, name
        assert entry(page, w.boxer) is not None, name


def delete_user_service(w):
    with committed():
        account_services.user_delete(user=w.boxer.user)


def delete_user_admin_form(w):
    site = w.admin_site()
    with committed():
        response = site.post(f"/admin/accounts/user/{w.boxer.user_id}/delete/", {"post": "yes"})
    assert response.status_code == 302


def delete_boxer_admin_form(w):
    with committed():
        response = w.admin_site().post(f"/admin/boxers/boxer/{w.boxer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Boxer.objects.filter(pk=w.boxer.pk).exists()


def expect_gone(w, before, after):
    assert before.detail is not None
    assert after.detail is None
    expect_unlisted(w, before, after)


def verify_admin_api(w):
    ok(w.client(w.admin).patch(w.detail_url, {"is_verified": True}, format="json"))


def verify_admin_action(w):
    admin_action(w, "boxers/boxer", "verify", [w.boxer.pk])


def expect_verified(w, before, after):
    assert (before.detail["is_verified"], after.detail["is_verified"]) == (False, True)
    for name, page in after.pages.items():
        assert entry(page, w.boxer)["is_verified"] is True, name


def edit_boxer_admin_form(w):
    admin_change(w, "boxers/boxer", w.boxer.pk, name="Admin Edited", city="Newport")


def orm_save(w):
    boxer = Boxer.objects.get(pk=w.boxer.pk)
    boxer.name, boxer.city = "Admin Edited", "Newport"
    with committed():
        boxer.save()


def expect_edited(w, before, after):
    assert (after.detail["name"], after.detail["city"]) == ("Admin Edited", "Newport")
    assert entry(after.pages["all"], w.boxer)["name"] == "Admin Edited"
    assert entry(after.pages["club"], w.boxer)["city"] == "Newport"
    assert entry(after.pages["cardiff"], w.boxer) is None


def create_profile_api(w):
    client = w.client(UserFactory())
    ok(client.post(DIRECTORY, {"name": "Newcomer", "city": "Cardiff"}, format="json"), 201)


def register_boxer_api(w):
    body = {"email": "newcomer@example.com", "password": PASSWORD, "name": "Newcomer", "role": "boxer"}
    ok(w.client().post("/api/v1/auth/register/", body, format="json"), 201)


def club_boxer_account_api(w):
    body = {"email": "newcomer@example.com", "name": "Newcomer", "city": "Cardiff"}
    ok(w.client(w.club_owner).post(f"/api/v1/clubs/{w.club.pk}/boxer-accounts/", body, format="json"), 201)


def expect_newcomer_listed(page_names: tuple[str, ...]):
    def expect(w, before, after):
        for name in page_names:
            names = [item["name"] for item in after.pages[name]["results"]]
            assert "Newcomer" in names, name
            assert after.pages[name]["count"] == before.pages[name]["count"] + 1, name

    return expect


def nothing(w):
    pass


@dataclass(frozen=True)
class WritePath:
    write: Callable
    expect: Callable
    prepare: Callable = nothing  # committed before the read models are warmed
    # Pages that cannot show what the write changed: they stay warm (directory cells).
    untouched: tuple[str, ...] = ()


def path(id_: str, write, expect, prepare=nothing, untouched=()):
    return pytest.param(WritePath(write, expect, prepare, untouched), id=id_)


WRITE_PATHS = [
    path("profile-patch-api", patch_profile_api, expect_profile_patched),
    path("hide-profile-api", hide_profile_api, expect_hidden),
    path("soft-delete-api", soft_delete_api, expect_soft_deleted),
    path("verify-admin-api", verify_admin_api, expect_verified),
    path("fight-create-api", create_fight_api, expect_record(wins=1, losses=1)),
    path("fight-update-api", update_fight_api, expect_record(wins=0, losses=1)),
    path("fight-delete-api", delete_fight_api, expect_record(wins=0, losses=0)),
    path("club-rename-owner-api", rename_club_owner_api, expect_club_name("Renamed ABC")),
    path("club-rename-django-admin", rename_club_admin_form, expect_club_name("Renamed ABC")),
    path("club-rename-import-clubs", import_clubs_command, expect_club_name("ABER ABC")),
    path("club-delete-admin-api", delete_club_admin_api, expect_clubless),
    path("club-delete-django-admin", delete_club_admin_action, expect_clubless),
    path("membership-approved-api", approve_membership_api, expect_moved_to_other_club),
    path("membership-approved-django-admin", approve_membership_admin_action, expect_moved_to_other_club),
    path("leave-club-api", leave_club_api, expect_clubless),
    path("club-removes-boxer-api", club_removes_boxer_api, expect_clubless),
    path("user-deactivated-admin-api", deactivate_user_admin_api, expect_unlisted),
    path("user-deactivated-django-admin", deactivate_user_admin_form, expect_unlisted),
    path("user-reactivated-admin-api", reactivate_user_admin_api, expect_relisted, deactivate_user_service),
    path("user-deleted-service", delete_user_service, expect_gone),
    path("user-deleted-django-admin", delete_user_admin_form, expect_gone),
    path("boxer-delete-django-admin", delete_boxer_admin_form, expect_gone),
    path("boxer-change-django-admin", edit_boxer_admin_form, expect_edited),
    path("boxer-verify-django-admin", verify_admin_action, expect_verified),
    path("orm-save-shell", orm_save, expect_edited),
    # A newcomer in no club (and, registered, in no city) cannot show in those pages.
    path(
        "profile-create-api",
        create_profile_api,
        expect_newcomer_listed(("all", "cardiff")),
        untouched=("club",),
    ),
    path(
        "register-boxer-api",
        register_boxer_api,
        expect_newcomer_listed(("all",)),
        untouched=("cardiff", "club"),
    ),
    path(
        "club-boxer-account-api", club_boxer_account_api, expect_newcomer_listed(("all", "cardiff", "club"))
    ),
]


@pytest.mark.parametrize("write_path", WRITE_PATHS)
def test_every_write_path_shows_on_the_very_next_read(world, write_path):
    w = world
    with committed():
        write_path.prepare(w)
    read(w, warm)
    with read_events("profile") as profile, read_events("directory") as directory:
        before = read(w, lambda client, url: client.get(url))
    assert (profile.hit, profile.miss) == (1, 0)
    assert (directory.hit, directory.miss) == (len(w.pages), 0)

    write_path.write(w)

    with read_events("directory") as directory:
        after = read(w, lambda client, url: client.get(url))
    # Every page that can show the write is recomputed; the others stay warm.
    assert (directory.hit, directory.miss) == (
        len(write_path.untouched),
        len(w.pages) - len(write_path.untouched),
    )
    assert after == read(w, uncached)  # what PostgreSQL says, field for field
    write_path.expect(w, before, after)


# --- Races, rotation, flush -----------------------------------------------------------------


@pytest.mark.parametrize("generation", ["known", "never-seen"])
def test_a_reader_that_raced_a_write_never_stores_stale_data(generation):
    boxer = BoxerFactory(city="Cardiff")
    key, gen_key = cache_keys.profile_key(boxer.pk), cache_keys.profile_generation_key(boxer.pk)

    def city() -> dict:
        return {"city": Boxer.objects.get(pk=boxer.pk).city}

    def lookup(compute) -> tuple[dict, read_events]:
        with read_events("profile") as events:
            value = readmodels.read_through("profile", key, (gen_key,), compute)
        return value, events

    if generation == "known":
        lookup(city)
        value, events = lookup(city)
        assert (value, events.hit) == ({"city": "Cardiff"}, 1)  # the cache works in this test
        Boxer.objects.filter(pk=boxer.pk).update(city="Newport")
        stamped.send_bumps([gen_key])  # a committed write: the next read recomputes
        expected_old = "Newport"
    else:
        other = BoxerFactory()  # opens (and vets) the connection on another profile
        readmodels.read_through(
            "profile", cache_keys.profile_key(other.pk), (cache_keys.profile_generation_key(other.pk),), dict
        )
        assert caches["guarded"].get(gen_key) is None
        expected_old = "Cardiff"

    def racing() -> dict:
        seen = city()  # the reader's snapshot...
        Boxer.objects.filter(pk=boxer.pk).update(city="Swansea")  # ...then a write commits
        stamped.send_bumps([gen_key])  # and bumps, before the reader stores
        return seen

    value, events = lookup(racing)
    assert (value, events.hit, events.miss) == ({"city": expected_old}, 0, 1)

    value, events = lookup(city)
    assert (value, events.hit, events.miss) == ({"city": "Swansea"}, 0, 1)

    value, events = lookup(city)
    assert (value, events.hit, events.miss) == ({"city": "Swansea"}, 1, 0)


def rotate():
    stamped.rotate()


def rotate_command():
    call_command("permissions_cache", "rotate", stdout=StringIO())


def flush():
    caches["guarded"].clear()


@pytest.mark.parametrize("reset", [rotate, rotate_command, flush], ids=["rotate", "rotate-command", "flush"])
def test_after_rotation_or_flush_nothing_old_is_served(client_for, reset):
    boxer = BoxerFactory(city="Cardiff")
    admin = client_for(AdminFactory())
    anonymous = client_for()
    detail, page = f"/api/v1/boxers/{boxer.pk}/", f"{DIRECTORY}?page_size=100"
    warm(admin, detail)
    warm(anonymous, page)
    # A write nobody announced (QuerySet.update sends no signal): until the reset, the read
    # models still serve the representation they hold.
    Boxer.objects.filter(pk=boxer.pk).update(city="Newport")
    with read_events("profile") as profile, read_events("directory") as directory:
        assert admin.get(detail).json()["city"] == "Cardiff"
        assert entry(anonymous.get(page).json(), boxer)["city"] == "Cardiff"
    assert (profile.hit, directory.hit) == (1, 1)

    reset()

    with read_events("profile") as profile, read_events("directory") as directory:
        assert admin.get(detail).json()["city"] == "Newport"
        assert entry(anonymous.get(page).json(), boxer)["city"] == "Newport"
    assert (profile.hit, profile.miss) == (0, 1)
    assert (directory.hit, directory.miss) == (0, 1)
    # and the cache works again afterwards
    warm(admin, detail)
    with read_events("profile") as profile:
        assert admin.get(detail).json()["city"] == "Newport"
    assert profile.hit == 1


# --- What is never cached ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [("?min_weight=abc", 400), ("?page=999", 404)],
    ids=["invalid-filter", "past-the-end"],
)
def test_an_error_is_never_stored(api, query, status):
    BoxerFactory()
    url, valid = DIRECTORY + query, f"{DIRECTORY}?page_size=100"
    warm(api, valid)
    assert directory_entries() == 1  # control: the valid page is stored, and counted
    with read_events("directory") as reads:
        first, again = api.get(url), api.get(url)

    assert first.status_code == again.status_code == status
    assert again.content == first.content
    assert (reads.hit, reads.miss) == (0, 0)
    assert directory_entries() == 1


def test_a_uri_that_was_404_is_a_miss_once_it_has_a_page(api):
    BoxerFactory(name="Ann Boxer")
    BoxerFactory(name="Bea Boxer")
    url = f"{DIRECTORY}?page=2&page_size=2"
    warm(api, f"{DIRECTORY}?page_size=2")
    assert warm(api, url).status_code == 404
    # A profile added without any signal (bulk_create bumps nothing) fills page 2: had the
    # 404 been stored under this URI's key, it would now be served as a hit.
    Boxer.objects.bulk_create([BoxerFactory.build(user=UserFactory(), name="Zed Late")])

    with read_events("directory") as reads:
        response = api.get(url)

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["Zed Late"]
    assert (reads.hit, reads.miss) == (0, 1)


# --- One page per URI ------------------------------------------------------------------------


NEXT = "{scheme}://{host}/api/v1/boxers/?city=Cardiff&page=2&page_size=1"


@pytest.mark.parametrize(
    ("query", "extra", "scheme", "host"),
    [
        ("?city=Cardiff&page_size=1", {}, "http", "testserver"),
        ("?page_size=1&city=Cardiff", {}, "http", "testserver"),
        ("?city=Cardiff&page_size=1", {"HTTP_HOST": "localhost"}, "http", "localhost"),
        ("?city=Cardiff&page_size=1", {"SERVER_NAME": "127.0.0.1"}, "http", "127.0.0.1"),
        ("?city=Cardiff&page_size=1", {"secure": True}, "https", "testserver"),
    ],
    ids=["plain", "parameters-reordered", "other-host", "other-server-name", "https"],
)
def test_each_uri_is_served_its_own_page(api, query, extra, scheme, host):
    boxers = BoxerFactory.create_batch(3, city="Cardiff")
    for variant in ("?city=Cardiff&page_size=1", "?page_size=1&city=Cardiff"):
        warm(api, DIRECTORY + variant)  # the plain URI and its reordering, warm on testserver
    warm(api, DIRECTORY + query, **extra)
    with read_events("directory") as reads:
        response = api.get(DIRECTORY + query, **extra)

    assert reads.hit == 1
    assert response.json()["next"] == NEXT.format(scheme=scheme, host=host)
    assert response.json() == uncached(api, DIRECTORY + query, **extra).json()
    first = response.json()["results"][0]["id"]
    second = warm(api, f"{DIRECTORY}?city=Cardiff&page=2&page_size=1", **extra).json()["results"][0]["id"]
    assert first != second
    assert {first, second} <= {str(b.pk) for b in boxers}


def test_a_new_host_is_a_miss_with_its_own_links(api):
    BoxerFactory.create_batch(2)
    url = f"{DIRECTORY}?page_size=1"
    assert warm(api, url).json()["next"].startswith("http://testserver/")
    with read_events("directory") as reads:
        response = api.get(url, HTTP_HOST="localhost")
    assert (reads.hit, reads.miss) == (0, 1)
    assert response.json()["next"] == "http://localhost/api/v1/boxers/?page=2&page_size=1"


# --- Turned off --------------------------------------------------------------------------------


def test_disabled_counts_no_read_model_event_and_stays_correct(settings, client_for):
    settings.READ_MODEL_CACHE = False
    boxer = BoxerFactory(city="Cardiff")
    owner, anonymous = client_for(boxer.user), client_for()
    detail, page = f"/api/v1/boxers/{boxer.pk}/", f"{DIRECTORY}?city=Cardiff"

    with read_events("profile") as profile, read_events("directory") as directory:
        assert warm(owner, detail).json()["city"] == "Cardiff"
        assert entry(warm(anonymous, page).json(), boxer) is not None
        ok(owner.patch(detail, {"city": "Newport"}, format="json"))
        assert owner.get(detail).json()["city"] == "Newport"
        assert anonymous.get(page).json()["count"] == 0

    for events in (profile, directory):
        assert (events.hit, events.miss, events.bypass) == (0, 0, 0)
    assert caches["guarded"].get(cache_keys.profile_key(boxer.pk)) is None
    assert directory_entries() == 0


# --- A hit renders the bytes of the miss that stored it ------------------------------------------


@pytest.fixture
def rich_boxer():
    """Decimals, dates, a club, non-ASCII text and characters JSON escapes."""
    return BoxerFactory(
        name="Siân “Iron” Llŷr",
        weight_kg=Decimal("70.50"),
        height_cm=171,
        date_of_birth=date(2001, 2, 3),
        gender="female",
        bio='Line one\nline "two" \\ tab\t€',
        club=ClubFactory(name="Clwb Bocsio Caerdydd"),
        is_verified=True,
    )


def test_a_hit_is_byte_for_byte_the_miss_that_stored_it(client_for, rich_boxer):
    boxer = rich_boxer
    for model, client, url, gen_key in [
        (
            "profile",
            client_for(boxer.user),
            f"/api/v1/boxers/{boxer.pk}/",
            cache_keys.profile_generation_key(boxer.pk),
        ),
        ("directory", client_for(), f"{DIRECTORY}?page_size=100", cache_keys.DIRECTORY_GEN_KEY),
    ]:
        warm(client, url)
        stamped.send_bumps([gen_key])  # the next read recomputes and stores
        with read_events(model) as first:
            miss = client.get(url)
        with read_events(model) as second:
            hit = client.get(url)

        assert (first.miss, second.hit) == (1, 1), model
        assert hit.content == miss.content, model
        assert uncached(client, url).content == miss.content, model
        shown = miss.json() if model == "profile" else entry(miss.json(), boxer)
        assert shown["weight_kg"] == 70.5
        assert shown["club"] == {"id": str(boxer.club_id), "name": "Clwb Bocsio Caerdydd"}
        assert shown["name"] == "Siân “Iron” Llŷr"


# --- A club write that races a boxer joining the club --------------------------------------------


class InThread:
    """Run `fn` in its own thread (its own database connection); `.result` once `.done`."""

    def __init__(self, fn: Callable) -> None:
        self.done, self.result, self.error = threading.Event(), None, None
        self.thread = threading.Thread(target=self._run, args=(fn,))
        self.thread.start()

    def _run(self, fn: Callable) -> None:
        try:
            self.result = fn()
        except Exception as exc:  # reported by join()
            self.error = exc
        finally:
            connection.close()
            self.done.set()

    def join(self) -> Any:
        self.thread.join(30)
        assert self.done.is_set() and self.error is None, self.error
        return self.result


def _rename_in_django_admin(club, admin_user):
    site = Client()
    site.force_login(admin_user)
    url = f"/admin/clubs/club/{club.pk}/change/"
    data = {**admin_form_data(site.get(url)), "name": "Renamed ABC"}
    data = {k: v for k, v in data.items() if v is not False}
    return lambda: site.post(url, data).status_code


def _delete_through_the_api(club, admin_user):
    client = authenticate(APIClient(), admin_user)
    return lambda: client.delete(f"/api/v1/clubs/{club.pk}/").status_code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("club_write", "signal", "expected_club"),
    [
        (_rename_in_django_admin, post_save, "Renamed ABC"),
        (_delete_through_the_api, pre_delete, None),
    ],
    ids=["rename-django-admin", "delete-api"],
)
def test_a_boxer_joining_a_club_while_it_is_written_sees_the_write(
    client_for, club_write, signal, expected_club
):
    """Real transactions: the club write pauses before it commits; meanwhile the boxer's
    membership is approved (committed, its profile bumped) and a reader caches its profile with
    the old club. Once the club write commits, the profile must show it: the clubs generation,
    bumped after the commit, is in every profile's stamp (a bump computed from the club's
    members inside the write would miss this boxer). If the join has to wait for the club
    write, no reader runs in between and the test holds too."""
    owner = GymOwnerFactory()
    club = ClubFactory(name="Aber ABC", owner=owner)
    BoxerFactory(club=club)  # a member before the club write
    joiner = BoxerFactory(name="Joiner")
    request = MembershipRequestFactory(user=joiner.user, club=club)
    admin_user = AdminFactory()
    admin = client_for(admin_user)
    url = f"/api/v1/boxers/{joiner.pk}/"
    warm(admin, url)
    write = club_write(club, admin_user)
    approve = client_for(owner)
    reached, go = threading.Event(), threading.Event()

    def pause(sender, instance, **kwargs):  # the club write is open (not committed) while paused
        reached.set()
        go.wait(10)

    signal.connect(pause, sender=Club, weak=False, dispatch_uid="test-pause")
    try:
        club_writer = InThread(write)
        assert reached.wait(10)
        joining = InThread(lambda: approve.post(f"/api/v1/membership-requests/{request.pk}/approve/"))
        if joining.done.wait(2):  # the join committed while the club write is still open...
            assert admin.get(url).json()["club"]["name"] == "Aber ABC"  # ...and a reader cached it
        go.set()
        assert club_writer.join() in (204, 302)
        assert joining.join().status_code == 200
    finally:
        go.set()
        signal.disconnect(sender=Club, dispatch_uid="test-pause")

    truth = uncached(admin, url).json()["club"]
    assert (truth or {}).get("name") == expected_club
    assert admin.get(url).json()["club"] == truth


# --- The caller's own: GET /auth/me/ and GET /boxers/me/ (merm) ------------------------------
# accounts/readmodels.py caches the account; boxers/me/ is the profile read model above,
# named by the caller's user fact. Every write path above, and every write of the account,
# shows on the boxer's very next own read, equal byte for byte to what PostgreSQL answers.

OWN = ("/api/v1/auth/me/", "/api/v1/boxers/me/")


def own_client(user_id) -> CommitClient:
    """A client with a token of the user as stored now (its token_version may have moved;
    a deleted user keeps a token that no longer authenticates)."""
    user = User.objects.filter(pk=user_id).first() or User(pk=user_id, token_version=0)
    return authenticate(CommitClient(), user)


def read_own(user_id, get: Callable) -> dict[str, tuple[int, bytes]]:
    client = own_client(user_id)
    return {url: (response.status_code, response.content) for url in OWN for response in [get(client, url)]}


def own_write(user_id, get: Callable = lambda client, url: client.get(url)) -> None:
    """Assert the warm own reads were both hits (so the write below has something to void)."""
    with read_events("profile") as profile, read_events("account") as account:
        read_own(user_id, get)
    assert (profile.hit, profile.miss, account.hit, account.miss) == (1, 0, 1, 0)


# A path that deactivates the owner first leaves it nothing of its own to cache before it.
OWNER_ACTIVE_PATHS = [p for p in WRITE_PATHS if p.values[0].prepare is nothing]


@pytest.mark.parametrize("write_path", OWNER_ACTIVE_PATHS)
def test_every_write_path_shows_on_the_owners_very_next_own_read(world, write_path):
    w = world
    read_own(w.boxer.user_id, warm)
    own_write(w.boxer.user_id)

    write_path.write(w)

    after = read_own(w.boxer.user_id, lambda client, url: client.get(url))
    assert after == read_own(w.boxer.user_id, uncached)


def patch_me_name_api(w):
    ok(w.client(w.boxer.user).patch("/api/v1/auth/me/", {"name": "New Name"}, format="json"))


def patch_me_notifications_api(w):
    ok(w.client(w.boxer.user).patch("/api/v1/auth/me/", {"email_notifications": False}, format="json"))


def change_email_admin_api(w):
    body = {"email": "moved@example.com"}
    ok(w.client(w.admin).patch(f"/api/v1/admin/users/{w.boxer.user_id}/", body, format="json"))


def change_role_admin_api(w):
    body = {"role": "coach"}
    ok(w.client(w.admin).patch(f"/api/v1/admin/users/{w.boxer.user_id}/", body, format="json"))


def change_user_django_admin(w):
    admin_change(w, "accounts/user", w.boxer.user_id, name="Admin Named", email_verified=True)


def user_orm_save(w):
    user = User.objects.get(pk=w.boxer.user_id)
    user.email_notifications = False
    with committed():
        user.save()


def change_password_api(w):
    body = {"current_password": PASSWORD, "new_password": CHANGED}
    ok(w.client(w.boxer.user).post("/api/v1/auth/password/change/", body, format="json"))


def reset_password_api(w):
    anonymous = CommitClient()
    ok(anonymous.post("/api/v1/auth/password/reset/", {"email": w.boxer.user.email}, format="json"), 202)
    body = {"token": token_from_last_mail(), "new_password": CHANGED}
    ok(anonymous.post("/api/v1/auth/password/reset/confirm/", body, format="json"), 204)


def twelfth_year() -> date:
    """A date of birth in the schools age group today (11 or 12 years old)."""
    return date(date.today().year - 12, 1, 1)


def change_birth_date_api(w):
    body = {"date_of_birth": twelfth_year().isoformat()}
    ok(w.client(w.boxer.user).patch(w.detail_url, body, format="json"))


def move_profile_orm_save(w):
    """The profile given to another user (the admin shows `user` read-only: a shell's
    save): its former owner has none any more."""
    boxer = Boxer.objects.get(pk=w.boxer.pk)
    boxer.user = UserFactory()
    with committed():
        boxer.save()


def unverify_email(w):
    User.objects.filter(pk=w.boxer.user_id).update(email_verified=False)


OWN_WRITE_PATHS = [
    pytest.param(patch_me_name_api, "name", id="me-name-api"),
    pytest.param(patch_me_notifications_api, "email_notifications", id="me-notifications-api"),
    pytest.param(change_email_admin_api, "email", id="email-change-admin-api"),
    pytest.param(change_role_admin_api, "role", id="role-change-admin-api"),
    pytest.param(change_user_django_admin, "name", id="user-change-django-admin"),
    pytest.param(user_orm_save, "email_notifications", id="user-orm-save-shell"),
    pytest.param(change_password_api, None, id="password-change-api"),
    pytest.param(reset_password_api, "email_verified", id="password-reset-api"),
    pytest.param(change_birth_date_api, "date_of_birth", id="birth-date-api"),
    pytest.param(move_profile_orm_save, "profile", id="profile-moved-orm-save-shell"),
    # Still its owner's (docs/boxers.md): 200, the profile as soft-deleted now.
    pytest.param(soft_delete_api, "updated_at", id="profile-soft-deleted-api"),
]


@pytest.mark.parametrize(("write", "changed"), OWN_WRITE_PATHS)
def test_every_write_of_the_account_shows_on_the_very_next_own_read(world, write, changed):
    w = world
    with committed():
        unverify_email(w)  # so that a proven address changes the body
    before = read_own(w.boxer.user_id, warm)
    own_write(w.boxer.user_id)

    write(w)

    after = read_own(w.boxer.user_id, lambda client, url: client.get(url))
    assert after == read_own(w.boxer.user_id, uncached)
    account, profile = (json.loads(after[url][1]) for url in OWN)
    old_account, old_profile = (json.loads(before[url][1]) for url in OWN)
    if changed is None:  # a new password: the account shows nothing of it
        assert (account, profile) == (old_account, old_profile)
    elif changed == "profile":
        assert (after[OWN[1]][0], account) == (404, old_account)
    elif changed == "updated_at":
        assert (after[OWN[1]][0], account) == (200, old_account)
        assert profile["updated_at"] > old_profile["updated_at"]
    elif changed == "date_of_birth":
        assert (profile["date_of_birth"], profile["age_group"]) == (twelfth_year().isoformat(), "schools")
        assert old_profile["date_of_birth"] != profile["date_of_birth"]
    else:
        assert account[changed] != old_account[changed]


def test_a_profile_created_shows_on_the_very_next_own_read(client_for):
    user = UserFactory()
    client = client_for(user)
    assert warm(client, "/api/v1/boxers/me/").status_code == 404

    ok(client.post(DIRECTORY, {"name": "Newcomer", "city": "Cardiff"}, format="json"), 201)

    mine = client.get("/api/v1/boxers/me/")
    assert mine.status_code == 200
    assert mine.content == uncached(client, "/api/v1/boxers/me/").content
    assert mine.json()["name"] == "Newcomer"


def test_a_profile_deleted_shows_on_the_very_next_own_read(client_for, world):
    w = world
    client = client_for(w.boxer.user)
    assert warm(client, "/api/v1/boxers/me/").status_code == 200

    delete_boxer_admin_form(w)

    assert client.get("/api/v1/boxers/me/").status_code == 404
    assert uncached(client, "/api/v1/boxers/me/").status_code == 404


def test_the_own_profile_shows_the_age_group_of_the_day_it_is_read(client_for, monkeypatch):
    boxer = BoxerFactory(date_of_birth=date(2010, 6, 1))
    client = client_for(boxer.user)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: date(2025, 5, 31))
    assert warm(client, "/api/v1/boxers/me/").json()["age_group"] == "schools"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: date(2025, 6, 1))
    with read_events("profile") as reads:
        mine = client.get("/api/v1/boxers/me/")

    assert reads.hit == 1  # the entry holds no age group of its own: the day decides
    assert mine.json()["age_group"] == "junior"
    assert mine.content == uncached(client, "/api/v1/boxers/me/").content
