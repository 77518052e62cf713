"""The sparring list read models (boxers/sparring/readmodels.py, accounts/notification_readmodels.py):
a warm request list, availability page or notifications page costs no SQL and the request's
one round trip, and never serves what PostgreSQL would not answer now.

Every write path that can change a list (requests in every transition, boxers, coach links,
clubs, users, slots, notifications; services, the API, QuerySet.update, cascades) is run
with every observer's pages warm; the very next read of each equals the uncached answer.
A property test mixes random writes and reads. Time-based changes (an expiry, the moving
window of the slots) show with no write. With Redis stopped the lists come from PostgreSQL.
Real PostgreSQL and Redis.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.test import TestCase, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import Notification, Role
from boxers import services as boxer_services
from boxers.models import Availability, CoachLink, SparringRequest, SparringStatus
from boxers.sparring import services as sparring_services
from clubs import services as club_services
from permissions.rules import years_before
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, SparringRequestFactory
from tests.clubs.factories import ClubFactory
from tests.support.clients import ClientPool, CommitClient
from tests.support.counting import Events, read_events, replay_events

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

REQUESTS = "/api/v1/sparring-requests/"
NOTIFICATIONS = "/api/v1/notifications/"


@pytest.fixture
def no_rate_limits(settings):
    rates = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "user": None,
        "anon": None,
        "sparring": None,
    }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def committed():
    """Run the on_commit callbacks (the bumps) of writes made outside a request."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def at(days: float = 0, hours: float = 0):
    return timezone.now() + timedelta(days=days, hours=hours)


@dataclass
class World:
    """Two sides, each a boxer in its own club with a sparring coach (manage_sparring) and a
    coach without the right; a minor in A's club; an admin; requests between them; slots."""

    a: Any
    b: Any
    minor: Any
    a_coach: Any
    a_other: Any
    b_coach: Any
    admin: Any
    venue: Any
    a_owner: Any
    b_owner: Any
    _clients: ClientPool = field(default_factory=ClientPool)

    @property
    def observers(self) -> list:
        users = [
            self.a.user,
            self.b.user,
            self.minor.user,
            self.a_coach,
            self.a_other,
            self.b_coach,
            self.a_owner,
            self.b_owner,
            self.admin,
        ]
        found = (type(u).objects.filter(pk=u.pk).first() for u in users)
        return [u for u in found if u is not None]  # a deleted user has no pages

    def client(self, user) -> CommitClient:
        return self._clients.get(user)

    def urls(self) -> list[str]:
        return [
            REQUESTS,
            f"{REQUESTS}?direction=incoming",
            f"{REQUESTS}?status=pending",
            f"{REQUESTS}?boxer={self.a.pk}",
            NOTIFICATIONS,
            f"{NOTIFICATIONS}?unread=true",
            f"/api/v1/boxers/{self.a.pk}/availability/",
            f"/api/v1/boxers/{self.minor.pk}/availability/",
        ]


def side(**boxer):
    club = ClubFactory(owner=GymOwnerFactory())
    found = BoxerFactory(club=club, gender="male", **boxer)
    coach = CoachLinkFactory(boxer=found, rights=["manage_sparring"]).coach
    other = CoachLinkFactory(boxer=found, rights=["edit_profile"]).coach
    return found, coach, other


@pytest.fixture
def world():
    with committed():
        a, a_coach, a_other = side()
        b, b_coach, _ = side()
        minor = BoxerFactory(
            club=a.club, gender="male", date_of_birth=timezone.localdate() - timedelta(days=16 * 365)
        )
        CoachLinkFactory(boxer=minor, coach=a_coach, rights=["manage_sparring"])
        venue = ClubFactory(owner=GymOwnerFactory())
        w = World(a, b, minor, a_coach, a_other, b_coach, AdminFactory(), venue, a.club.owner, b.club.owner)
        sparring_services.sparring_request_create(
            created_by=a_coach,
            from_boxer=a,
            to_boxer=b,
            venue_club=venue,
            proposed_start=at(3),
            proposed_end=at(3, 1),
        )
        SparringRequestFactory(
            from_boxer=b, to_boxer=minor, created_by=b_coach, status=SparringStatus.DECLINED
        )
        sparring_services.availability_create(boxer=a, starts_at=at(2), ends_at=at(2, 1), club=venue)
        sparring_services.availability_create(boxer=minor, starts_at=at(4), ends_at=at(4, 1))
    return w


def answer(client, url):
    response = client.get(url)
    return response.status_code, response.json() if response.status_code in (200, 404, 400) else None


def warm(w: World) -> None:
    """Every observer's pages read twice: the second read is served from the read models and
    remembered for replay (boxerconnect/api/replay.py), so the read after a write is checked
    against a remembered answer too."""
    with (
        read_events("sparring") as s,
        read_events("notifications") as n,
        read_events("availability") as v,
        replay_events() as r,
    ):
        for user in w.observers:
            for url in w.urls():
                w.client(user).get(url)
                w.client(user).get(url)
    assert s.hit and n.hit and v.hit and r.recorded  # cached and remembered: the test tests something


def assert_fresh(w: World) -> None:
    """The very next read of each page equals what PostgreSQL answers (read models off)."""
    for user in w.observers:
        client = w.client(user)
        for url in w.urls():
            cached = answer(client, url)
            with override_settings(READ_MODEL_CACHE=False):
                truth = answer(client, url)
            assert cached == truth, (user.email, url)


def first_request(w: World) -> SparringRequest:
    return SparringRequest.objects.get(from_boxer=w.a, to_boxer=w.b)


def api_accept(w):
    w.client(w.b_coach).post(f"{REQUESTS}{first_request(w).pk}/accept/", {}, format="json")


def api_decline(w):
    w.client(w.b.user).post(f"{REQUESTS}{first_request(w).pk}/decline/", {}, format="json")


def api_cancel(w):
    w.client(w.a_coach).post(f"{REQUESTS}{first_request(w).pk}/cancel/", {}, format="json")


def api_propose(w):
    body = {
        "from_boxer": str(w.b.pk),
        "to_boxer": str(w.minor.pk),
        "proposed_start": at(5).isoformat(),
        "proposed_end": at(5, 1).isoformat(),
    }
    # 409 once an earlier step (the property test) left a request open between the two
    assert w.client(w.b_coach).post(REQUESTS, body, format="json").status_code in (201, 409)


def complete(w):
    request = first_request(w)
    SparringRequest.objects.filter(pk=request.pk).update(
        status=SparringStatus.ACCEPTED, proposed_start=at(-2), proposed_end=at(-2, 1)
    )
    w.client(w.a_coach).post(f"{REQUESTS}{request.pk}/complete/", {}, format="json")


def expire_by_job(w):
    SparringRequest.objects.filter(pk=first_request(w).pk).update(expires_at=at(-1))
    sparring_services.sparring_requests_expire()


def delete_request(w):
    first_request(w).delete()


def rename_boxer(w):
    boxer_services.boxer_update(boxer=w.b, data={"name": "Renamed Boxer", "weight_kg": "71.5"})


def boxer_leaves_club(w):
    boxer_services.boxer_leave_club(boxer=w.a)


def boxer_soft_deleted(w):
    boxer_services.boxer_delete(boxer=w.b)


def minor_turns_adult_by_edit(w):
    boxer_services.boxer_update(
        boxer=w.minor, data={"date_of_birth": timezone.localdate() - timedelta(days=30 * 365)}
    )


def boxer_hidden(w):
    boxer_services.boxer_update(boxer=w.a, data={"is_searchable": False})


def revoke_manage_sparring(w):
    link = CoachLink.objects.get(coach=w.a_coach, boxer=w.a)
    boxer_services.coach_link_set_rights(link=link, rights=["edit_profile"])


def grant_manage_sparring(w):
    link = CoachLink.objects.get(coach=w.a_other, boxer=w.a)
    boxer_services.coach_link_set_rights(link=link, rights=["edit_profile", "manage_sparring"])


def remove_link(w):
    boxer_services.coach_link_remove(link=CoachLink.objects.get(coach=w.b_coach, boxer=w.b))


def new_link(w):
    coach = CoachFactory()
    CoachLinkFactory(boxer=w.b, coach=coach, rights=["manage_sparring"])


def club_owner_changes(w):
    club_services.club_set_owner(club=w.a.club, user=w.b_owner)


def venue_renamed(w):
    club_services.club_update(club=w.venue, data={"name": "New Venue Name"})


def venue_unpublished(w):
    club_services.club_update(club=w.venue, data={"is_published": False})


def venue_deleted(w):
    club_services.club_delete(club=w.venue)


def boxer_removed_from_club(w):
    club_services.club_remove_boxer(club=w.a.club, boxer_id=w.minor.pk)


def creator_renamed(w):
    account_services.user_update(user=w.a_coach, name="Renamed Coach")


def coach_becomes_admin(w):
    account_services.user_update(user=w.a_other, role=Role.ADMIN)


def creator_deleted(w):
    account_services.user_delete(user=w.a_coach)


def owner_deactivated(w):
    account_services.user_deactivate(user=w.b_owner)


def mark_one_read(w):
    notification = Notification.objects.filter(recipient=w.b_coach).first()
    w.client(w.b_coach).post(f"{NOTIFICATIONS}{notification.pk}/read/")


def mark_all_read(w):
    w.client(w.b.user).post(f"{NOTIFICATIONS}read-all/")


def delete_notification(w):
    Notification.objects.filter(recipient=w.b_coach).delete()


def slot_created(w):
    sparring_services.availability_create(boxer=w.a, starts_at=at(6), ends_at=at(6, 1))


def slot_moved(w):
    slot = Availability.objects.filter(boxer=w.a).first()
    sparring_services.availability_update(slot=slot, data={"starts_at": at(40), "ends_at": at(40, 1)})


def slot_deleted(w):
    sparring_services.availability_delete(slot=Availability.objects.filter(boxer=w.minor).first())


def slots_updated_in_bulk(w):
    Availability.objects.filter(boxer=w.a).update(note="bring gloves")


WRITES = [
    api_accept,
    api_decline,
    api_cancel,
    api_propose,
    complete,
    expire_by_job,
    delete_request,
    rename_boxer,
    boxer_leaves_club,
    boxer_soft_deleted,
    minor_turns_adult_by_edit,
    boxer_hidden,
    revoke_manage_sparring,
    grant_manage_sparring,
    remove_link,
    new_link,
    club_owner_changes,
    venue_renamed,
    venue_unpublished,
    venue_deleted,
    boxer_removed_from_club,
    creator_renamed,
    coach_becomes_admin,
    creator_deleted,
    owner_deactivated,
    mark_one_read,
    mark_all_read,
    delete_notification,
    slot_created,
    slot_moved,
    slot_deleted,
    slots_updated_in_bulk,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda f: f.__name__)
def test_every_write_path_shows_on_the_very_next_read(world, write):
    warm(world)

    with committed():
        write(world)

    assert_fresh(world)


# --- Cost ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url", "model"),
    [
        ("a_coach", REQUESTS, "sparring"),
        ("a_coach", f"{REQUESTS}?status=pending&direction=outgoing", "sparring"),
        ("admin", REQUESTS, "sparring"),
        ("b_coach", NOTIFICATIONS, "notifications"),
        ("b_coach", "/api/v1/boxers/{a}/availability/", "availability"),
        ("a_coach", "/api/v1/boxers/{minor}/availability/", "availability"),
    ],
)
def test_a_warm_list_costs_no_sql_and_one_round_trip(world, who, url, model, django_assert_num_queries):
    client = world.client(getattr(world, who))
    url = url.format(a=world.a.pk, minor=world.minor.pk)
    first = client.get(url)
    assert first.status_code == 200 and first.json()["results"]

    with django_assert_num_queries(0), Events() as events, read_events(model) as reads:
        response = client.get(url)

    assert response.json() == first.json()
    assert (events.ok, events.miss) == (1, 0)  # auth, authorization and the page: one round trip
    assert (reads.hit, reads.miss, reads.bypass) == (1, 0, 0)


def test_unknown_parameters_and_spellings_share_one_page(world):
    client = world.client(world.a_coach)
    client.get(f"{REQUESTS}?status=pending")
    before = len(caches["guarded"].keys("read:f:sparring*"))

    with read_events("sparring") as reads:
        for junk in ("&x=1", "&page=1", "&y=2&x=1", f"&page_size={20}"):
            assert client.get(f"{REQUESTS}?status=pending{junk}").status_code == 200

    assert (reads.hit, reads.miss) == (4, 0)
    assert len(caches["guarded"].keys("read:f:sparring*")) == before


def test_an_empty_page_for_an_arbitrary_boxer_is_not_stored(world):
    client = world.client(world.a_coach)
    before = len(caches["guarded"].keys("read:f:sparring*"))

    for _ in range(2):
        response = client.get(f"{REQUESTS}?boxer={BoxerFactory().pk}")
        assert response.status_code == 200 and response.json()["results"] == []

    assert len(caches["guarded"].keys("read:f:sparring*")) == before


def test_each_caller_gets_its_own_page(world):
    coach_page = world.client(world.a_coach).get(REQUESTS).json()
    other_page = world.client(world.a_other).get(REQUESTS).json()

    assert coach_page["count"] == 2 and other_page["count"] == 0  # A's and the minor's; none
    assert world.client(world.a_other).get(REQUESTS).json() == other_page


# --- Time: no write, yet the answer changes ----------------------------------------------------------


def test_a_pending_request_reads_as_expired_once_its_expiry_passes(world):
    request = first_request(world)
    expiry = at(hours=4 / 3600)  # in 4 s: the reads below happen before it, even on a loaded machine
    with committed():
        SparringRequest.objects.filter(pk=request.pk).update(expires_at=expiry)
    client = world.client(world.a_coach)
    outgoing = f"{REQUESTS}?direction=outgoing"  # the one request from A
    assert client.get(outgoing).json()["results"][0]["status"] == "pending"
    assert client.get(outgoing).json()["results"][0]["status"] == "pending"  # served from the cache
    assert client.get(f"{outgoing}&status=pending").json()["count"] == 1

    time.sleep(max(0.0, (expiry - timezone.now()).total_seconds()) + 0.1)  # no write meanwhile

    assert client.get(outgoing).json()["results"][0]["status"] == "expired"
    assert client.get(f"{outgoing}&status=pending").json()["count"] == 0
    assert client.get(f"{outgoing}&status=expired").json()["count"] == 1


def test_a_slot_leaves_the_default_window_when_it_ends(world):
    end = at(hours=4 / 3600)  # in 4 s
    with committed():
        Availability.objects.filter(boxer=world.a).delete()
        Availability.objects.create(boxer=world.a, starts_at=at(hours=-1), ends_at=end)
    url = f"/api/v1/boxers/{world.a.pk}/availability/"
    client = world.client(world.a_coach)
    assert client.get(url).json()["count"] == 1
    assert client.get(url).json()["count"] == 1  # served from the cache

    time.sleep(max(0.0, (end - timezone.now()).total_seconds()) + 0.1)  # no write meanwhile

    assert client.get(url).json()["count"] == 0


# --- Redis stopped -------------------------------------------------------------------------------


def test_with_redis_stopped_the_lists_come_from_postgresql(private_redis, world):
    client = world.client(world.a_coach)
    urls = [REQUESTS, NOTIFICATIONS, f"/api/v1/boxers/{world.a.pk}/availability/"]
    for url in urls:
        client.get(url)
    with committed():
        boxer_services.boxer_update(boxer=world.b, data={"name": "Changed While Cached"})
    private_redis.stop()

    with read_events("sparring") as s:
        for url in urls:
            cached = answer(client, url)
            with override_settings(READ_MODEL_CACHE=False):
                assert cached == answer(client, url)

    assert s.hit == 0


# --- Property: random writes and reads ---------------------------------------------------------------

SMALL_WRITES = [
    api_accept,
    api_decline,
    api_cancel,
    api_propose,
    rename_boxer,
    revoke_manage_sparring,
    grant_manage_sparring,
    new_link,
    club_owner_changes,
    venue_renamed,
    creator_renamed,
    boxer_removed_from_club,
    mark_all_read,
    slot_created,
    slot_deleted,
]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(SMALL_WRITES), st.integers(0, 7), st.integers(0, 7)), min_size=2, max_size=6
    )
)
def test_random_writes_and_reads_always_read_what_postgresql_says(world, steps):
    for write, who, url_index in steps:
        user = world.observers[who]
        url = world.urls()[url_index]
        world.client(user).get(url)  # warm the page about to be checked
        with committed():
            try:
                write(world)
            except Exception as exc:  # a write the state refuses (nothing to delete...)
                if isinstance(exc, AssertionError):
                    raise
        cached = answer(world.client(user), url)
        with override_settings(READ_MODEL_CACHE=False):
            assert cached == answer(world.client(user), url), (write.__name__, user.email, url)


# --- A relation committed while a request is being written ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_coach_linked_while_a_request_is_written_sees_it_on_the_next_read(client_for):
    """Who acts for a side is read again after the commit: a coach whose link is accepted by
    another transaction while the request is being written, and who reads (and caches) its
    list between the two commits, is bumped by the request's commit all the same."""
    import threading

    from django.db import connection, transaction

    a, b = BoxerFactory(gender="male"), BoxerFactory(gender="male")
    coach = CoachFactory()
    client = client_for(coach)
    written, release = threading.Event(), threading.Event()
    errors = []

    def propose():
        try:
            with transaction.atomic():
                sparring_services.sparring_request_create(
                    created_by=a.user, from_boxer=a, to_boxer=b, proposed_start=at(3), proposed_end=at(3, 1)
                )
                written.set()
                release.wait(10)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=propose)
    writer.start()
    assert written.wait(10)
    CoachLinkFactory(coach=coach, boxer=b, rights=["manage_sparring"])  # committed meanwhile
    assert client.get(REQUESTS).json()["count"] == 0  # the request is not committed yet
    with read_events("sparring") as reads:
        assert client.get(REQUESTS).json()["count"] == 0
    assert reads.hit == 1  # that page is cached, under the generation the link's commit set

    release.set()
    writer.join(10)

    assert errors == []
    assert client.get(REQUESTS).json()["count"] == 1


def test_a_minor_acts_for_itself_from_its_18th_birthday_with_no_write(world, monkeypatch):
    """Who acts for a minor changes on a date, not on a write: the page is keyed by the day."""
    today = timezone.localdate()
    birthday = today + timedelta(days=1)
    with committed():
        boxer_services.boxer_update(boxer=world.minor, data={"date_of_birth": years_before(birthday, 18)})
    client = world.client(world.minor.user)
    assert client.get(REQUESTS).json()["count"] == 0
    assert client.get(REQUESTS).json()["count"] == 0  # served from the cache

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: birthday)

    cached = answer(client, REQUESTS)
    with override_settings(READ_MODEL_CACHE=False):
        assert cached == answer(client, REQUESTS)
    assert cached[1]["count"] == 1
