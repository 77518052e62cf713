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
