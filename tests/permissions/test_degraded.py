"""Degraded mode on a private redis-server: stopped, frozen, recovering, lost bumps."""

import time

import pytest
from django.core.cache import caches

from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache import stamped
from boxerconnect.cache.breaker import CLOSED, OPEN
from boxerconnect.cache.guarded import CacheUnavailable, guarded
from boxers.models import CoachLink
from permissions.actions import Action
from permissions.checker import Authorizer
from permissions.invalidation import invalidate
from permissions.store import FactRef
from tests.accounts.factories import CoachFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.support.counting import Events, read_events

pytestmark = [pytest.mark.django_db, pytest.mark.fault]


@pytest.fixture
def graph():
    """A hidden boxer in a club; a linked coach, the club's owner and a stranger."""
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner)
    boxer = BoxerFactory(is_searchable=False, club=club)
    coach = CoachFactory()
    CoachLinkFactory(coach=coach, boxer=boxer, rights=["manage_fights"])
    return {"boxer": boxer, "coach": coach, "club owner": owner, "stranger": UserFactory(), "club": club}


@pytest.fixture
def no_background_rotator(monkeypatch):
    """Keep the background rotator out of a test that inspects the breaker after a thaw.

    The rotator retries every 0.2 s regardless of the cooldown and closes the breaker when
    it gets through, so right after a thaw it races the test for the first call. Here only
    the request path (FactStore) rotates, which is what these tests are about.
    """
    running = stamped._rotator
    if running is not None:  # a previous test's: it exits once it sees nothing pending
        running.join(timeout=5)
    monkeypatch.setattr(stamped, "_start_rotator", lambda: None)


def decisions(graph):
    boxer = graph["boxer"].pk
    return {
        (name, action): Authorizer(graph[name].pk).check(action, boxer).allowed
        for name in ("coach", "club owner", "stranger")
        for action in (Action.BOXER_VIEW, Action.BOXER_UPDATE, Action.FIGHT_MANAGE)
    }


EXPECTED = {
    ("coach", Action.BOXER_VIEW): True,
    ("coach", Action.BOXER_UPDATE): False,
    ("coach", Action.FIGHT_MANAGE): True,
    ("club owner", Action.BOXER_VIEW): True,
    ("club owner", Action.BOXER_UPDATE): True,
    ("club owner", Action.FIGHT_MANAGE): True,
    ("stranger", Action.BOXER_VIEW): False,
    ("stranger", Action.BOXER_UPDATE): False,
    ("stranger", Action.FIGHT_MANAGE): False,
}


def test_with_redis_stopped_decisions_come_from_postgresql_and_never_fail_open(
    private_redis, graph, django_capture_on_commit_callbacks
):
    assert decisions(graph) == EXPECTED  # warm
    private_redis.stop()

    with django_capture_on_commit_callbacks(execute=True):  # the revoke's bump is lost
        CoachLink.objects.filter(coach=graph["coach"]).delete()
        invalidate(links=[(graph["coach"].pk, graph["boxer"].pk)])
    with Events() as events:
        degraded = decisions(graph)

    assert degraded == {
        **EXPECTED,
        ("coach", Action.BOXER_VIEW): False,
        ("coach", Action.FIGHT_MANAGE): False,
    }
    assert events.hit == 0 and events.bypass > 0
    assert stamped.rotation_pending()


def test_the_check_endpoint_and_token_auth_work_with_redis_stopped(private_redis, graph, client_for):
    private_redis.stop()
    url = (
        f"/api/v1/permissions/check/?action=fight.manage&resource_type=boxer&resource_id={graph['boxer'].pk}"
    )

    coach = client_for(graph["coach"]).get(url)
    stranger = client_for(graph["stranger"]).get(url)

    assert (coach.status_code, coach.json()["allowed"]) == (200, True)
    assert (stranger.status_code, stranger.json()) == (200, {"allowed": False, "reason": "not found"})


def test_a_frozen_redis_opens_the_breaker_and_later_calls_skip_the_socket(
    private_redis, graph, settings, no_background_rotator
):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 60
    decisions(graph)
    private_redis.freeze()

    with Events() as events:
        frozen = [decisions(graph) for _ in range(3)]
    private_redis.thaw()

    assert frozen == [EXPECTED] * 3
    assert events.error == settings.PERMISSION_CACHE_BREAKER_THRESHOLD  # timeouts paid, then none
    assert events.bypassed == 3 * len(EXPECTED) - events.error
    assert guarded.breaker.state == OPEN


def test_the_half_open_probe_closes_the_breaker_when_redis_is_back(private_redis, graph, settings):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 30
    decisions(graph)
    private_redis.freeze()
    decisions(graph)
    assert guarded.breaker.state == OPEN
    private_redis.thaw()

    guarded.breaker.opened_until = 0.0  # the cooldown is over: the next call probes
    with Events() as probe:
        decisions(graph)
    with Events() as after:
        recovered = decisions(graph)

    assert guarded.breaker.state == CLOSED
    assert probe.error == 0 and probe.bypassed == 0
    assert recovered == EXPECTED
    assert after.hit > 0 and after.miss == 0 and after.bypass == 0


def test_a_failed_probe_reopens_the_breaker_after_one_attempt(
    private_redis, graph, settings, no_background_rotator
):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 30
    private_redis.freeze()
    decisions(graph)
    assert guarded.breaker.state == OPEN

    guarded.breaker.opened_until = 0.0  # the cooldown is over: the next call probes
    with Events() as events:
        decisions(graph)
    private_redis.thaw()

    assert events.error == 1  # only the probe pays the socket timeout
    assert events.bypassed == len(EXPECTED) - 1
    assert guarded.breaker.state == OPEN


def test_an_undelivered_bump_rotates_the_namespace_before_the_cache_is_trusted_again(
    private_redis, graph, django_capture_on_commit_callbacks
):
    coach, boxer = graph["coach"], graph["boxer"]
    assert Authorizer(coach.pk).check(Action.FIGHT_MANAGE, boxer.pk).allowed  # cached
    old_nonce = caches["guarded"].get(cache_keys.nonce_key())

    private_redis.freeze()  # a partition: Redis keeps its data, the bump cannot reach it
    with django_capture_on_commit_callbacks(execute=True):
        CoachLink.objects.filter(coach=coach, boxer=boxer).delete()
        invalidate(links=[(coach.pk, boxer.pk)])
    pending = stamped.rotation_pending()  # (the background retry can't succeed while frozen)
    private_redis.thaw()  # (the timed-out SET may even be applied late: nothing relies on it)

    with Events() as events:
        decision = Authorizer(coach.pk).check(Action.FIGHT_MANAGE, boxer.pk)

    assert pending
    assert not decision.visible
    assert caches["guarded"].get(cache_keys.nonce_key()) != old_nonce
    # The thawed connection reconnected during that rotation, which owes one more: the
    # background rotator delivers it.
    for _ in range(50):
        if not stamped.rotation_pending():
            break
        time.sleep(0.1)
    assert not stamped.rotation_pending()
    assert events.hit == 0


def test_a_write_while_the_breaker_is_open_also_rotates_on_recovery(
    private_redis, graph, settings, django_capture_on_commit_callbacks, no_background_rotator
):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 30
    coach, boxer = graph["coach"], graph["boxer"]
    Authorizer(coach.pk).check(Action.FIGHT_MANAGE, boxer.pk)
    # The breaker opens after failures (as in the tests above); opened directly here so that
    # no write timed out by a freeze (a rotation, applied late) can blur the stale entry.
    for _ in range(settings.PERMISSION_CACHE_BREAKER_THRESHOLD):
        guarded.breaker.record_failure()
    assert guarded.breaker.state == OPEN and not stamped.rotation_pending()

    with django_capture_on_commit_callbacks(execute=True):  # bypassed: never sent
        CoachLink.objects.filter(coach=coach, boxer=boxer).update(rights=[])
        invalidate(links=[(coach.pk, boxer.pk)])
    guarded.breaker.opened_until = 0.0  # the cooldown is over: the next call probes
    stale = caches["guarded"].get(FactRef.link(coach.pk, boxer.pk).fact_key)
    stamp = [
        caches["guarded"].get(k) for k in (cache_keys.nonce_key(), FactRef.link(coach.pk, boxer.pk).gen_key)
    ]
    recovered = [Authorizer(coach.pk).check(Action.FIGHT_MANAGE, boxer.pk).allowed for _ in range(3)]

    # Without the rotation the stale entry would have been a hit: its stamp is still current.
    assert stale["s"] == stamp and stale["v"]["rights"] == ["manage_fights"]
    assert recovered == [False, False, False]
    assert not stamped.rotation_pending()
    assert guarded.breaker.state == CLOSED


def test_a_health_ping_is_the_half_open_probe_and_closes_the_breaker(
    private_redis, graph, settings, no_background_rotator
):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 30
    private_redis.freeze()
    decisions(graph)
    private_redis.thaw()
    assert guarded.breaker.state == OPEN

    with Events() as skipped, pytest.raises(CacheUnavailable):
        guarded.ping()  # still cooling down: the socket is not touched
    guarded.breaker.opened_until = 0.0  # the cooldown is over
    guarded.ping()

    assert (skipped.bypassed, skipped.error) == (1, 0)
    assert guarded.breaker.state == CLOSED


# --- Read models (boxers/readmodels.py) -----------------------------------------------


def test_with_redis_stopped_profiles_and_directory_pages_come_from_postgresql(
    private_redis, graph, client_for
):
    client = client_for(graph["coach"])
    detail, page = f"/api/v1/boxers/{graph['boxer'].pk}/", "/api/v1/boxers/?page_size=100"
    BoxerFactory(name="Listed Boxer")
    before = [client.get(url).json() for url in (detail, page)]
    private_redis.stop()

    with read_events("profile") as profile, read_events("directory") as directory:
        during = [client.get(url) for url in (detail, page)]

    assert [r.status_code for r in during] == [200, 200]
    assert [r.json() for r in during] == before
    assert (profile.hit, profile.bypass, directory.hit, directory.bypass) == (0, 1, 0, 1)


def test_a_profile_written_while_the_breaker_is_open_is_read_new_on_recovery(
    private_redis, graph, settings, client_for, no_background_rotator
):
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 30
    boxer = graph["boxer"]
    client = client_for(graph["coach"])
    detail = f"/api/v1/boxers/{boxer.pk}/"
    for _ in range(2):
        client.get(detail)
    with read_events("profile") as warm:
        assert client.get(detail).json()["name"] == boxer.name
    for _ in range(settings.PERMISSION_CACHE_BREAKER_THRESHOLD):
        guarded.breaker.record_failure()

    renamed = client_for(boxer.user).patch(detail, {"name": "Renamed While Open"}, format="json")
    guarded.breaker.opened_until = 0.0  # the cooldown is over: the next call probes
    with read_events("profile") as recovered:
        shown = [client.get(detail).json()["name"] for _ in range(3)]

    assert warm.hit == 1
    assert renamed.status_code == 200
    # The bump never reached Redis (the breaker was open): the rotation on recovery voids
    # the cached profile, whose stamp would otherwise still be current.
    assert shown == ["Renamed While Open"] * 3
    assert (recovered.miss, recovered.hit) == (1, 2)
    assert guarded.breaker.state == CLOSED


def test_with_redis_stopped_the_callers_own_account_and_profile_come_from_postgresql(
    private_redis, graph, client_for
):
    client = client_for(graph["boxer"].user)
    own = ("/api/v1/auth/me/", "/api/v1/boxers/me/")
    for _ in range(2):  # warm: both read models hold the bodies
        before = [client.get(url).content for url in own]
    private_redis.stop()

    with read_events("account") as account, read_events("profile") as profile:
        during = [client.get(url) for url in own]

    assert [r.status_code for r in during] == [200, 200]
    assert [r.content for r in during] == before
    assert (account.hit, account.bypass, profile.hit, profile.bypass) == (0, 1, 0, 1)
