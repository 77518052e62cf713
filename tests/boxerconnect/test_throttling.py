"""The rate limiter: a counter per window, one Redis round trip a check, open without Redis."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/permissions/check/?action=boxer.view&resource_type=boxer&resource_id=" + "0" * 32


@pytest.fixture
def anon_rate_3_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"},
    }


def test_fourth_anonymous_request_in_the_window_is_429_with_retry_after(
    private_redis, api, anon_rate_3_per_minute
):
    statuses = [api.get(CHECK).status_code for _ in range(3)]

    response = api.get(CHECK)

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_throttle_check_costs_one_redis_round_trip_whatever_the_history(private_redis, client_for):
    user = UserFactory()
    client = client_for(user)
    client.get(CHECK)  # warm the permission facts
    before = private_redis.commands_processed()
    client.get(CHECK)
    first = private_redis.commands_processed() - before
    for _ in range(20):
        client.get(CHECK)
    before = private_redis.commands_processed()

    client.get(CHECK)

    # One MGET for auth + permission facts, one pipeline (3 commands) per throttle scope in
    # force (anon is skipped for an authenticated user, user applies): the count does not
    # grow with the number of earlier requests.
    assert private_redis.commands_processed() - before == first
    # What is stored is one counter, not a history of request times.
    redis = private_redis.client()
    (key,) = [k for k in redis.scan_iter("*throttle_user*")]
    assert int(redis.get(key)) == 23
    assert 0 < redis.ttl(key) <= 60


def test_with_redis_stopped_requests_are_not_throttled_and_never_5xx(
    private_redis, api, anon_rate_3_per_minute
):
    private_redis.stop()

    statuses = {api.get(CHECK).status_code for _ in range(6)}

    assert statuses == {200}


def _counters(redis) -> dict[str, int]:
    return {key.decode(): int(redis.get(key)) for key in redis.scan_iter("*throttle_*")}


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "redis-py-pipeline"])
@pytest.mark.parametrize("who", ["anonymous", "authenticated"])
def test_a_warm_read_is_one_redis_round_trip_its_throttles_included(
    private_redis, client_for, settings, who, fast_path
):
    """The throttles' counters ride in the request's one round trip (permissions.checker.prime):
    a warm read of a cached page costs one round trip in all, and its hits are still counted."""
    from tests.clubs.factories import ClubFactory
    from tests.support.counting import CommandCounter, Events

    settings.CACHE_FAST_PATH = fast_path
    club = ClubFactory()
    client = client_for(UserFactory() if who == "authenticated" else None)
    urls = ["/api/v1/clubs/", f"/api/v1/clubs/{club.pk}/", "/api/v1/clubs/regions/", "/api/v1/boxers/", CHECK]
    redis, commands = private_redis.client(), CommandCounter(private_redis)
    for url in urls:
        client.get(url)
        client.get(url)  # stored by the first read, hit from now on
    scopes = 2 if who == "anonymous" else 1  # anon and user count an anonymous caller (by IP)

    for url in urls:
        before = _counters(redis)
        with Events() as events, commands:
            assert client.get(url).status_code == 200, url
        after = _counters(redis)

        assert (events.ok, events.error) == (1, 0), url
        assert commands.count == 1 + 3 * scopes, url  # one MGET, and SET NX, INCR, TTL per scope
        assert len(after) == scopes
        assert {key: after[key] - before.get(key, 0) for key in after} == dict.fromkeys(after, 1), url


def test_a_throttle_counted_in_the_round_trip_still_refuses_past_its_rate(
    private_redis, api, anon_rate_3_per_minute
):
    from tests.clubs.factories import ClubFactory

    ClubFactory()
    statuses = [api.get("/api/v1/clubs/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
