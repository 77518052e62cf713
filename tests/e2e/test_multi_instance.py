"""Two app instances (separate gunicorn masters) sharing PostgreSQL and Redis: a write through
one is enforced by the other on the very next request, iteration after iteration."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tokens import access_token_for
from tests.accounts.factories import GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.e2e.support import metric_value
from tests.support.live import LiveApp
from tests.support.servers import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITERATIONS = 25


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def two_instances(django_db_setup, django_db_blocker):
    """Started once for the module (each test's data is its own: fresh ids, flushed after)."""
    with django_db_blocker.unblock():
        redis_server = RedisServer()
        redis_server.start()
        env = {
            "DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": "3",
        }
        apps = [LiveApp(redis_url=redis_server.url, workers=2, threads=2, env=env) for _ in range(2)]
    yield apps
    for app in apps:
        app.cleanup()
    redis_server.stop()


def test_hiding_a_profile_through_one_instance_hides_it_on_the_other_at_once(two_instances):
    a, b = two_instances
    boxer = BoxerFactory()
    owner = bearer(access_token_for(boxer.user))
    path = f"/api/v1/boxers/{boxer.pk}/"
    stale = []

    for i in range(ITERATIONS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        assert reader.get(path).status_code == 200  # warm: the visible fact is cached
        assert writer.request("PATCH", path, json={"is_searchable": False}, headers=owner).status_code == 200
        hidden = reader.get(path).status_code
        assert reader.request("PATCH", path, json={"is_searchable": True}, headers=owner).status_code == 200
        shown = writer.get(path).status_code
        stale += [(i, "allow", hidden)] if hidden != 404 else []
        stale += [(i, "deny", shown)] if shown != 200 else []

    assert stale == []
    assert all(
        metric_value(app.get("/metrics").text, "permission_cache_events_total", event="hit") > 0
        for app in (a, b)
    )


def test_coach_rights_follow_link_removal_and_acceptance_across_instances(two_instances):
    a, b = two_instances
    link = CoachLinkFactory(rights=["edit_profile"])
    owner = bearer(access_token_for(link.boxer.user))
    coach = bearer(access_token_for(link.coach))
    profile = f"/api/v1/boxers/{link.boxer.pk}/"
    link_id = str(link.pk)
    stale_allows, stale_denies = [], []

    for i in range(ITERATIONS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        assert reader.request("PATCH", profile, json={"bio": f"warm {i}"}, headers=coach).status_code == 200

        assert writer.request("DELETE", f"/api/v1/coach-links/{link_id}/", headers=owner).status_code == 204
        revoked = reader.request("PATCH", profile, json={"bio": f"revoked {i}"}, headers=coach).status_code
        if revoked != 403:
            stale_allows.append((i, revoked))

        requested = reader.request(
            "POST",
            "/api/v1/coach-links/",
            json={"boxer": str(link.boxer.pk), "rights": ["edit_profile"]},
            headers=coach,
        )
        assert requested.status_code == 201, requested.text
        link_id = requested.json()["id"]
        pending = writer.request("PATCH", profile, json={"bio": f"pending {i}"}, headers=coach).status_code
        if pending != 403:
            stale_allows.append((i, pending))
        accepted = writer.request("POST", f"/api/v1/coach-links/{link_id}/accept/", headers=owner)
        assert accepted.status_code == 200, accepted.text
        granted = reader.request("PATCH", profile, json={"bio": f"granted {i}"}, headers=coach).status_code
        if granted != 200:
            stale_denies.append((i, granted))

    assert stale_allows == []
    assert stale_denies == []


def test_logout_all_through_one_instance_kills_the_token_on_the_other(two_instances):
    a, b = two_instances
    boxer = BoxerFactory()
    results = []

    for i in range(ITERATIONS // 5):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        token = bearer(access_token_for(type(boxer.user).objects.get(pk=boxer.user.pk)))
        before = reader.get("/api/v1/auth/me/", headers=token).status_code
        logout = writer.request("POST", "/api/v1/auth/logout-all/", headers=token).status_code
        after = reader.get("/api/v1/auth/me/", headers=token).status_code
        results.append((before, logout, after))

    assert results == [(200, 204, 401)] * (ITERATIONS // 5)


def test_a_profile_changed_through_one_instance_is_read_new_from_the_other(two_instances):
    """The read models (boxers/readmodels.py): the profile and a directory page that the
    reader has cached show a write made through the other instance on the very next request."""
    a, b = two_instances
    boxer = BoxerFactory(name="Warm Name", city="Swansea")
    owner = bearer(access_token_for(boxer.user))
    path = f"/api/v1/boxers/{boxer.pk}/"
    page = "/api/v1/boxers/?city=Swansea&page_size=100"
    stale = []

    for i in range(ITERATIONS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        # Authenticated reads take the read models' keys along with the facts' MGET;
        # anonymous ones make their own lookup: both paths, every other iteration.
        as_reader = owner if i % 4 < 2 else {}
        for _ in range(4):  # then served from the cache, remembered and replayed
            reader.get(path, headers=as_reader)
            reader.get(page, headers=as_reader)
        name = f"Name {i}"
        assert writer.request("PATCH", path, json={"name": name}, headers=owner).status_code == 200
        shown = reader.get(path, headers=as_reader).json()["name"]
        listed = [
            row["name"]
            for row in reader.get(page, headers=as_reader).json()["results"]
            if row["id"] == str(boxer.pk)
        ]
        stale += [(i, "profile", shown)] if shown != name else []
        stale += [(i, "directory", listed)] if listed != [name] else []

    assert stale == []
    for app in (a, b):
        metrics = app.get("/metrics").text
        assert metric_value(metrics, "read_cache_events_total", model="profile", event="hit") > 0
        assert metric_value(metrics, "read_cache_events_total", model="directory", event="hit") > 0
        # boxerconnect/api/replay.py: answers replayed, and a write seen on the next request
        # as a changed read (computed again) rather than a replay.
        assert metric_value(metrics, "response_replay_events_total", event="replayed") > 0
        assert metric_value(metrics, "response_replay_events_total", event="changed") > 0


def test_the_callers_own_account_and_profile_changed_through_one_instance_are_read_new_from_the_other(
    two_instances,
):
    """GET /auth/me/ and GET /boxers/me/ (accounts/readmodels.py, the profile read model named
    by the user fact): warm on the reader, written through the other instance, read new on the
    very next request; a profile created through one instance appears on the other at once."""
    a, b = two_instances
    boxer = BoxerFactory(name="Warm Name")
    owner = bearer(access_token_for(boxer.user))
    stale = []

    for i in range(ITERATIONS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        for _ in range(2):  # the second round is served from the cache
            reader.get("/api/v1/auth/me/", headers=owner)
            reader.get("/api/v1/boxers/me/", headers=owner)
        account, profile = f"Account {i}", f"Profile {i}"
        patched = [
            writer.request("PATCH", "/api/v1/auth/me/", json={"name": account}, headers=owner).status_code,
            writer.request(
                "PATCH", f"/api/v1/boxers/{boxer.pk}/", json={"name": profile}, headers=owner
            ).status_code,
        ]
        assert patched == [200, 200]
        shown = [
            reader.get("/api/v1/auth/me/", headers=owner).json()["name"],
            reader.get("/api/v1/boxers/me/", headers=owner).json()["name"],
        ]
        stale += [(i, shown)] if shown != [account, profile] else []

    newcomers = []
    for i in range(ITERATIONS // 5):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        user = UserFactory()  # a boxer without a profile yet
        token = bearer(access_token_for(user))
        before = [reader.get("/api/v1/boxers/me/", headers=token).status_code for _ in range(2)]
        created = writer.request("POST", "/api/v1/boxers/", json={"name": f"New {i}"}, headers=token)
        after = reader.get("/api/v1/boxers/me/", headers=token)
        newcomers.append((before, created.status_code, after.status_code, after.json().get("name")))

    assert stale == []
    assert newcomers == [([404, 404], 201, 200, f"New {i}") for i in range(ITERATIONS // 5)]
    for app in (a, b):
        metrics = app.get("/metrics").text
        assert metric_value(metrics, "read_cache_events_total", model="account", event="hit") > 0


def test_a_club_changed_through_one_instance_is_read_new_from_the_other(two_instances):
    """The club read models (clubs/readmodels.py): the club, a directory page and the regions
    the reader has cached show a write made through the other instance on the next request."""
    a, b = two_instances
    owner = GymOwnerFactory()
    club = ClubFactory(name="Warm ABC", owner=owner, region="Gwent")
    as_owner = bearer(access_token_for(owner))
    path, page = f"/api/v1/clubs/{club.pk}/", "/api/v1/clubs/?search=abc&page_size=100"
    stale = []

    for i in range(ITERATIONS):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        as_reader = as_owner if i % 4 < 2 else {}
        for _ in range(2):  # the second round is served from the cache
            for url in (path, page, "/api/v1/clubs/regions/"):
                reader.get(url, headers=as_reader)
        name, region = f"Club {i} ABC", f"Region {i}"
        body = {"name": name, "region": region}
        assert writer.request("PATCH", path, json=body, headers=as_owner).status_code == 200
        shown = reader.get(path, headers=as_reader).json()["name"]
        listed = [
            r["name"]
            for r in reader.get(page, headers=as_reader).json()["results"]
            if r["id"] == str(club.pk)
        ]
        regions = reader.get("/api/v1/clubs/regions/", headers=as_reader).json()
        stale += [(i, "club", shown)] if shown != name else []
        stale += [(i, "page", listed)] if listed != [name] else []
        stale += [(i, "regions", regions)] if region not in regions else []

    assert stale == []
    for app in (a, b):
        metrics = app.get("/metrics").text
        for model in ("club", "clubs", "regions"):
            assert metric_value(metrics, "read_cache_events_total", model=model, event="hit") > 0, model


def test_sparring_rights_end_with_the_right_or_the_membership_across_instances(two_instances):
    """Revoking `manage_sparring` (the boxer narrows the link) or the club membership (the
    owner removes the boxer) ends acting for the boxer on the other instance's next request."""
    a, b = two_instances
    owner_user = GymOwnerFactory()
    club = ClubFactory(owner=owner_user)
    link = CoachLinkFactory(rights=["manage_sparring"], boxer=BoxerFactory(club=club))
    boxer = link.boxer
    as_boxer = bearer(access_token_for(boxer.user))
    as_coach = bearer(access_token_for(link.coach))
    as_owner = bearer(access_token_for(owner_user))
    slots = f"/api/v1/boxers/{boxer.pk}/availability/"
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    outcomes = []

    def add_slot(app, headers, i: int, minute: int) -> int:
        begins = starts + timedelta(hours=5 * i, minutes=minute)
        body = {"starts_at": begins.isoformat(), "ends_at": (begins + timedelta(minutes=30)).isoformat()}
        return app.request("POST", slots, json=body, headers=headers).status_code

    for i in range(ITERATIONS // 5):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        link_path = f"/api/v1/coach-links/{link.pk}/"
        warm = add_slot(reader, as_coach, i, 0)
        narrowed = writer.request("PATCH", link_path, json={"rights": ["edit_profile"]}, headers=as_boxer)
        after_narrowing = add_slot(reader, as_coach, i, 40)
        widened = writer.request("PATCH", link_path, json={"rights": ["manage_sparring"]}, headers=as_boxer)
        after_widening = add_slot(reader, as_coach, i, 80)

        owner_warm = add_slot(reader, as_owner, i, 120)
        removed = writer.request("DELETE", f"/api/v1/clubs/{club.pk}/boxers/{boxer.pk}/", headers=as_owner)
        after_removal = add_slot(reader, as_owner, i, 160)
        asked = writer.request("POST", f"/api/v1/clubs/{club.pk}/membership-requests/", headers=as_boxer)
        approved = writer.request(
            "POST", f"/api/v1/membership-requests/{asked.json()['id']}/approve/", headers=as_owner
        )
        after_rejoining = add_slot(reader, as_owner, i, 200)
        assert (narrowed.status_code, widened.status_code, removed.status_code) == (200, 200, 204)
        assert (asked.status_code, approved.status_code) == (201, 200), approved.text
        outcomes.append((warm, after_narrowing, after_widening, owner_warm, after_removal, after_rejoining))

    assert outcomes == [(201, 403, 201, 201, 403, 201)] * (ITERATIONS // 5)


def test_sparring_lists_cached_on_one_instance_show_writes_through_the_other(two_instances):
    """The sparring list read models (boxers/sparring/readmodels.py, notifications): a coach's
    request list and notifications, cached by the reader, show on its very next request a
    proposal made through the other instance, and a revoked `manage_sparring` empties the
    list at once."""
    a, b = two_instances
    link = CoachLinkFactory(rights=["manage_sparring"], boxer=BoxerFactory(gender="male"))
    boxer, coach = link.boxer, link.coach
    as_coach, as_boxer = bearer(access_token_for(coach)), bearer(access_token_for(boxer.user))
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    link_path = f"/api/v1/coach-links/{link.pk}/"
    stale = []

    for i in range(ITERATIONS // 5):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        other = CoachLinkFactory(rights=["manage_sparring"], boxer=BoxerFactory(gender="male"))
        for _ in range(2):  # the second round is served from the cache
            before = reader.get("/api/v1/sparring-requests/", headers=as_coach).json()["count"]
            told = reader.get("/api/v1/notifications/", headers=as_coach).json()["count"]
        begins = starts + timedelta(hours=3 * i)
        body = {
            "from_boxer": str(other.boxer.pk),
            "to_boxer": str(boxer.pk),
            "proposed_start": begins.isoformat(),
            "proposed_end": (begins + timedelta(hours=1)).isoformat(),
        }
        as_other = bearer(access_token_for(other.coach))
        assert (
            writer.request("POST", "/api/v1/sparring-requests/", json=body, headers=as_other).status_code
            == 201
        )
        listed = reader.get("/api/v1/sparring-requests/", headers=as_coach).json()["count"]
        notified = reader.get("/api/v1/notifications/", headers=as_coach).json()["count"]
        narrowed = writer.request("PATCH", link_path, json={"rights": ["edit_profile"]}, headers=as_boxer)
        after_narrowing = reader.get("/api/v1/sparring-requests/", headers=as_coach).json()["count"]
        widened = writer.request("PATCH", link_path, json={"rights": ["manage_sparring"]}, headers=as_boxer)
        after_widening = reader.get("/api/v1/sparring-requests/", headers=as_coach).json()["count"]
        assert (narrowed.status_code, widened.status_code) == (200, 200)
        got = (listed, notified, after_narrowing, after_widening)
        stale += [(i, got)] if got != (before + 1, told + 1, 0, before + 1) else []

    assert stale == []
    for app in (a, b):
        metrics = app.get("/metrics").text
        for model in ("sparring", "notifications"):
            assert metric_value(metrics, "read_cache_events_total", model=model, event="hit") > 0, model
