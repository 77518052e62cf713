"""Warm GET responses replayed (boxerconnect/api/replay.py): the third identical request of a
hot read is sent as remembered, byte for byte what the view computes, in the same one round
trip and no SQL; never when anything it was computed from changed.

The freshness of a replay after every write path is tested where the read models' are (those
suites read each page twice before the write, so the read after it is a replay check:
tests/boxers/test_read_models.py, test_sparring_read_models.py, tests/clubs/test_read_models.py,
tests/accounts/test_revocation.py, tests/e2e/test_multi_instance.py). Here: equality with the
computed answer for every replayable view and caller, the cost, credentials (a revoked token,
an older token of the same user), throttles, time, Redis stopped, what is never remembered.
Real PostgreSQL and Redis.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import TestCase, override_settings
from django.utils import timezone

from boxerconnect.api import replay
from boxers.models import SparringRequest
from boxers.sparring import services as sparring_services
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.support.clients import ClientPool, CommitClient
from tests.support.counting import Events, replay_events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Throttles are tested on their own below; here they would only count."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None, "anon": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def at(days: float = 0, hours: float = 0):
    return timezone.now() + timedelta(days=days, hours=hours)


def sent(response) -> tuple[int, dict[str, str], bytes]:
    """What the client got: status, headers (but the request id, new on every request), body."""
    headers = {name: value for name, value in response.items() if name != "X-Request-ID"}
    return response.status_code, headers, response.content


@dataclass
class World:
    """A coach acting (edit_profile, manage_sparring) for `boxer`, unlisted, in a published
    club; a pending request from `boxer` to `other`; a slot; an admin; the club's owner."""

    boxer: Any
    other: Any
    coach: Any
    admin: Any
    owner: Any
    club: Any
    _clients: ClientPool = field(default_factory=ClientPool)

    def client(self, who: str | None) -> CommitClient:
        user = None if who is None else getattr(self, who)
        return self._clients.get(getattr(user, "user", user))  # a boxer: its user


@pytest.fixture
def world():
    with committed():
        owner = GymOwnerFactory()
        club = ClubFactory(owner=owner, is_published=True, region="South")
        boxer = BoxerFactory(club=club, gender="male", is_searchable=False)
        other = BoxerFactory(gender="male")
        coach = CoachLinkFactory(
            boxer=boxer, coach=CoachFactory(), rights=["edit_profile", "manage_sparring"]
        ).coach
        BoxerFactory.create_batch(3, club=club)
        sparring_services.sparring_request_create(
            created_by=coach, from_boxer=boxer, to_boxer=other, proposed_start=at(3), proposed_end=at(3, 1)
        )
        sparring_services.availability_create(boxer=boxer, starts_at=at(2), ends_at=at(2, 1))
    return World(boxer, other, coach, AdminFactory(), owner, club)


# (url, caller): every replayable view, as the callers it answers differently.
READS = [
    ("/api/v1/boxers/{boxer}/", "coach"),
    ("/api/v1/boxers/{boxer}/", "boxer"),
    ("/api/v1/boxers/{boxer}/", "admin"),
    ("/api/v1/boxers/", None),
    ("/api/v1/boxers/?page_size=2", "coach"),
    ("/api/v1/boxers/?page_size=100&ordering=-name", "owner"),
    ("/api/v1/boxers/me/", "boxer"),
    ("/api/v1/clubs/", None),
    ("/api/v1/clubs/", "owner"),
    ("/api/v1/clubs/{club}/", None),
    ("/api/v1/clubs/{club}/", "owner"),
    ("/api/v1/clubs/regions/", None),
    ("/api/v1/auth/me/", "coach"),
    ("/api/v1/notifications/", "other"),
    ("/api/v1/permissions/check/?action=boxer.update&resource_type=boxer&resource_id={boxer}", "coach"),
    ("/api/v1/permissions/check/?action=boxer.update&resource_type=boxer&resource_id={boxer}", None),
    ("/api/v1/sparring-requests/", "coach"),
    ("/api/v1/sparring-requests/?direction=incoming", "other"),
    ("/api/v1/boxers/{boxer}/availability/", "coach"),
]


@pytest.mark.parametrize(("url", "who"), READS)
def test_a_warm_get_is_replayed_as_the_view_computes_it(world, url, who, django_assert_num_queries):
    client = world.client(who)
    url = url.format(boxer=world.boxer.pk, club=world.club.pk)
    client.get(url)  # stored in the read models
    with replay_events() as seen:
        remembered = client.get(url)  # computed from them, and remembered
    assert remembered.status_code == 200 and seen.recorded == 1

    with replay_events() as seen, django_assert_num_queries(0), Events() as events:
        replayed = client.get(url)

    assert seen.replayed == 1
    assert events.ok == 1  # the one round trip: credentials, rights and body checked
    with override_settings(RESPONSE_REPLAY=False):
        computed = client.get(url)
    assert sent(replayed) == sent(computed) == sent(remembered)


def test_callers_never_share_a_remembered_response(world):
    """Interleaved, each caller's answers are its own: a stranger, the profile's owner (with
    the date of birth), a coach acting for another boxer, an admin, an anonymous visitor."""
    url = f"/api/v1/boxers/{world.other.pk}/"
    callers = [None, "other", "coach", "admin", "owner"]
    answers: dict = {who: [] for who in callers}
    for _ in range(4):
        for who in callers:
            answers[who].append(sent(world.client(who).get(url)))
    with override_settings(RESPONSE_REPLAY=False):
        computed = {who: sent(world.client(who).get(url)) for who in callers}

    assert all(answers[who] == [computed[who]] * 4 for who in callers)
    assert (
        "date_of_birth" in computed["other"][2].decode() and "date_of_birth" not in computed[None][2].decode()
    )


def test_a_replay_sends_redis_the_commands_a_computed_warm_read_sends(
    private_redis, redis_commands, settings
):
    """With the throttles on: the hit counted and the keys read in one pipeline, either way."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "1000/min"},
    }
    boxer = BoxerFactory()
    client = ClientPool().get(boxer.user)
    url = f"/api/v1/boxers/{boxer.pk}/"
    client.get(url)
    with override_settings(RESPONSE_REPLAY=False):
        client.get(url)
        with redis_commands:
            computed = client.get(url)
        computed_commands = redis_commands.count
    client.get(url)  # remembered (the settings change above forgot everything)

    with redis_commands, replay_events() as seen:
        replayed = client.get(url)

    assert seen.replayed == 1
    assert redis_commands.count == computed_commands == 4  # SET NX, INCR, TTL, MGET
    assert sent(replayed) == sent(computed)


def test_each_request_shape_is_remembered_apart(world):
    """Host, Accept and the query are part of what a response is remembered under."""
    client = world.client("coach")
    url = "/api/v1/boxers/?page_size=1"
    for host in ("localhost", "127.0.0.1", "localhost", "127.0.0.1"):
        for _ in range(3):
            page = client.get(url, HTTP_HOST=host).json()
            assert page["next"].startswith(f"http://{host}/")
    assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200
    assert client.get(url, HTTP_ACCEPT="text/html").status_code == 406


# --- Credentials -------------------------------------------------------------------------------


def test_a_revoked_token_is_refused_on_the_next_request(world):
    client = world.client("coach")
    url = "/api/v1/auth/me/"
    for _ in range(3):
        assert client.get(url).status_code == 200

    with committed():
        world.coach.token_version += 1
        world.coach.save(update_fields=["token_version"])

    assert client.get(url).status_code == 401


def test_an_older_token_of_the_same_user_is_not_replayed_for_a_newer_one(world):
    """A token revoked by logout-all stays refused while the user's new token is replayed: a
    response is remembered under the credentials that made it, not under the user."""
    old = world.client("coach")
    url = f"/api/v1/boxers/{world.boxer.pk}/"
    for _ in range(3):
        assert old.get(url).status_code == 200
    assert old.post("/api/v1/auth/logout-all/").status_code == 204
    world.coach.refresh_from_db()
    new = ClientPool().get(world.coach)

    with replay_events() as seen:
        new_answers = [new.get(url).status_code for _ in range(3)]
        old_answers = [old.get(url).status_code for _ in range(3)]

    assert new_answers == [200, 200, 200]
    assert old_answers == [401, 401, 401]
    assert seen.replayed == 1  # the new token's third request


def test_a_deactivated_user_is_refused_on_the_next_request(world):
    client = world.client("owner")
    url = f"/api/v1/clubs/{world.club.pk}/"
    for _ in range(3):
        assert client.get(url).status_code == 200
    with committed():
        world.owner.is_active = False
        world.owner.save(update_fields=["is_active"])

    assert client.get(url).status_code == 401


# --- Throttles ---------------------------------------------------------------------------------


def test_a_replay_counts_its_hit_once_and_is_throttled_like_a_computed_answer(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "4/min"},
    }
    client = world.client("coach")
    url = f"/api/v1/boxers/{world.boxer.pk}/"

    with replay_events() as seen:
        answers = [client.get(url) for _ in range(6)]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
    assert seen.replayed == 2  # the third and the fourth
    assert seen.changed == 2  # over the limit: computed (and refused) by DRF's throttle
    refused = answers[4]
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    from django.core.cache import caches

    hits = caches["guarded"].get(f"throttle_user_{world.coach.pk}")
    assert hits == 6  # each request counted once, the two that fell back included


# --- Time ----------------------------------------------------------------------------------------


def test_a_replay_ends_when_a_pending_request_it_shows_expires(world):
    with committed():
        SparringRequest.objects.update(expires_at=at(hours=3 / 3600))  # in 3 s
    client = world.client("coach")
    url = "/api/v1/sparring-requests/"
    with replay_events() as seen:
        statuses = [client.get(url).json()["results"][0]["status"] for _ in range(3)]
    assert statuses == ["pending"] * 3 and seen.replayed == 1

    time.sleep(max(0.0, (SparringRequest.objects.get().expires_at - timezone.now()).total_seconds()) + 0.1)

    with replay_events() as seen:
        assert client.get(url).json()["results"][0]["status"] == "expired"
    assert seen.replayed == 0


def test_a_replay_is_for_one_day(world, monkeypatch):
    """Age groups and who acts for a minor change with the date, not with a write."""
    client = world.client("coach")
    url = f"/api/v1/boxers/{world.boxer.pk}/"
    for _ in range(3):
        client.get(url)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)

    with replay_events() as seen:
        client.get(url)

    assert seen.replayed == 0 and seen.recorded == 1


# --- Redis stopped -------------------------------------------------------------------------------


def test_with_redis_stopped_nothing_is_replayed_and_the_read_fails_once(private_redis, world):
    client = world.client("coach")
    url = f"/api/v1/boxers/{world.boxer.pk}/"
    for _ in range(3):
        remembered = client.get(url)
    private_redis.stop()

    with replay_events() as seen, Events() as events:
        answer = client.get(url)

    assert answer.status_code == 200 and answer.json() == remembered.json()  # from PostgreSQL
    assert seen.replayed == 0
    # One failed round trip: the replay check's read, handed to the view, after which the
    # request reads PostgreSQL (computed, it would also try the read model's own lookup).
    assert events.error == 1


def test_with_redis_stopped_a_view_reading_other_keys_fails_once_too(private_redis, world):
    """`boxers/me` reads the keys of this process's guess of the caller's profile: forgotten
    meanwhile (a full memo), the view reads other keys than the replay check did."""
    from boxers import readmodels as boxers_readmodels

    client = world.client("boxer")
    for _ in range(3):
        remembered = client.get("/api/v1/boxers/me/")
    boxers_readmodels._own_profiles.clear()
    private_redis.stop()

    with replay_events() as seen, Events() as events:
        answer = client.get("/api/v1/boxers/me/")

    assert answer.status_code == 200 and answer.json() == remembered.json()
    assert seen.replayed == 0 and events.error == 1


# --- Never remembered ----------------------------------------------------------------------------


def test_an_answer_that_read_sql_is_never_remembered(world):
    request = SparringRequest.objects.get()
    client = world.client("coach")
    query = f"action=sparring.cancel&resource_type=sparring_request&resource_id={request.pk}"
    url = f"/api/v1/permissions/check/?{query}"

    with replay_events() as seen:
        answers = [client.get(url).json() for _ in range(4)]

    assert answers == [{"allowed": True, "reason": answers[0]["reason"]}] * 4  # the creator cancels
    assert (seen.recorded, seen.replayed) == (0, 0)


def test_a_refusal_is_never_remembered(world):
    client = world.client("other")  # the boxer is unlisted: a stranger gets 404
    url = f"/api/v1/boxers/{world.boxer.pk}/"

    with replay_events() as seen:
        assert [client.get(url).status_code for _ in range(4)] == [404] * 4

    assert (seen.recorded, seen.replayed) == (0, 0)


def test_beyond_the_byte_budget_nothing_is_kept(world, settings):
    settings.RESPONSE_REPLAY_MAX_BYTES = 100
    client = world.client("coach")
    url = f"/api/v1/boxers/{world.boxer.pk}/"

    with replay_events() as seen:
        answers = [client.get(url).json() for _ in range(4)]

    assert answers[1:] == answers[:-1]
    assert (seen.recorded, seen.replayed) == (0, 0)
    assert replay._size == 0


def test_off_with_response_replay_false(world, settings):
    settings.RESPONSE_REPLAY = False
    client = world.client("coach")

    with replay_events() as seen:
        for _ in range(4):
            assert client.get(f"/api/v1/boxers/{world.boxer.pk}/").status_code == 200

    assert (seen.recorded, seen.replayed) == (0, 0)


# --- Attacks (attack-replay review) ------------------------------------------------------------


def test_a_changed_replay_counts_the_hit_once_when_the_view_reads_other_keys(world, settings):
    """The replay check counts the throttles; when the bytes differ and the view then reads
    other keys than the remembered ones (this process's guess of the caller's own profile
    changed meanwhile: it is cleared every 10,000 users), the view's own read must not count
    the same hit again."""
    from django.core.cache import caches

    from boxers import readmodels as boxer_readmodels
    from boxers import services as boxer_services

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "1000/min"},
    }
    client = world.client("boxer")
    url = "/api/v1/boxers/me/"
    with replay_events() as seen:
        for _ in range(3):
            assert client.get(url).status_code == 200
    assert seen.replayed == 1
    with committed():
        boxer_services.boxer_update(boxer=world.boxer, data={"name": "Renamed"})  # the bytes change
    boxer_readmodels._own_profiles.clear()  # the guess is forgotten (as when the memo is full)
    counter = f"throttle_user_{world.boxer.user.pk}"
    before = caches["guarded"].get(counter)

    with replay_events() as seen:
        assert client.get(url).json()["name"] == "Renamed"

    assert seen.changed == 1
    assert caches["guarded"].get(counter) == before + 1  # one request, one hit


def test_the_byte_budget_counts_what_a_response_is_remembered_under(world, settings):
    """What a response is remembered under (query string, headers: up to about 8 KiB each
    through gunicorn) is memory too: a flood of distinct large requests must stay within
    RESPONSE_REPLAY_MAX_BYTES, not a multiple of it."""
    settings.RESPONSE_REPLAY_MAX_BYTES = 64 * 1024
    client = world.client(None)
    url = "/api/v1/clubs/regions/"
    client.get(url)  # stored in the read model
    names = ("HTTP_ACCEPT_LANGUAGE", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")
    big = dict.fromkeys(names, "y" * 8000)

    with replay_events() as seen:
        for n in range(40):
            assert client.get(f"{url}?{n}={'x' * 4000}", **big).status_code == 200

    assert seen.recorded == 40
    held = sum(  # what is held, measured apart from Entry.size
        len(entry.content)
        + sum(len(value or b"") for value in entry.raw)
        + sum(len(part) for part in key if isinstance(part, str | bytes))
        for key, entry in replay._entries.items()
    )
    assert held <= settings.RESPONSE_REPLAY_MAX_BYTES
