"""REDIS_SENTINELS / REDIS_SENTINEL_SERVICE / REDIS_SENTINEL_PASSWORD become django-redis's
Sentinel configuration (the primary only; REDIS_URL gives the password and db), and every
incomplete or contradictory combination stops start-up with a message naming the problem.
The servers themselves: tests/e2e/test_sentinel.py."""

import pytest

from tests.boxerconnect.subproc import load_settings, settings_error

SENTINELS = "10.0.0.1:26379,10.0.0.2:26380,sentinel-3"


def test_sentinels_configure_the_primary_of_the_service_with_the_password_and_db_of_redis_url():
    caches = load_settings(
        "CACHES",
        REDIS_URL="redis://:p%40ss@ignored.example:6380/3",
        REDIS_SENTINELS=SENTINELS,
        REDIS_SENTINEL_SERVICE="bc-primary",
        REDIS_SENTINEL_PASSWORD="sentinel-secret",
        CACHE_KEY_PREFIX="prod",
    )["CACHES"]

    for alias in ("default", "guarded"):
        cache = caches[alias]
        options = cache["OPTIONS"]
        # The service name stands where the host was; the host and port of REDIS_URL are gone.
        assert cache["LOCATION"] == "redis://:p%40ss@bc-primary/3"
        assert cache["KEY_PREFIX"] == "prod"
        assert options["CONNECTION_FACTORY"] == "boxerconnect.cache.sentinel.SentinelConnectionFactory"
        assert options["SENTINELS"] == [["10.0.0.1", 26379], ["10.0.0.2", 26380], ["sentinel-3", 26379]]
        assert options["SENTINEL_KWARGS"]["password"] == "sentinel-secret"
        # One location and the default client: reads go to the primary too, never a replica.
        assert options["CLIENT_CLASS"] == "django_redis.client.DefaultClient"
        assert "RedisSentinelConnection" in options["CONNECTION_POOL_KWARGS"]["connection_class"]


def test_without_redis_url_the_sentinels_primary_is_used_without_password_on_db_0():
    caches = load_settings(
        "CACHES", REDIS_URL=None, REDIS_SENTINELS=SENTINELS, REDIS_SENTINEL_SERVICE="bc-primary"
    )["CACHES"]

    assert caches["guarded"]["LOCATION"] == "redis://bc-primary/0"
    assert caches["guarded"]["OPTIONS"]["SENTINEL_KWARGS"]["password"] is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"REDIS_SENTINELS": SENTINELS},
            "REDIS_SENTINELS is set but REDIS_SENTINEL_SERVICE is not",
        ),
        (
            {"REDIS_SENTINEL_SERVICE": "bc-primary"},
            "REDIS_SENTINEL_SERVICE is set but REDIS_SENTINELS is not",
        ),
        (
            {"REDIS_SENTINEL_PASSWORD": "x"},
            "REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not",
        ),
        (
            {"REDIS_SENTINELS": "10.0.0.1:26379,10.0.0.2:port", "REDIS_SENTINEL_SERVICE": "bc-primary"},
            "REDIS_SENTINELS: '10.0.0.2:port' is not host:port",
        ),
        (
            {"REDIS_SENTINELS": SENTINELS, "REDIS_SENTINEL_SERVICE": "MyMaster"},
            "REDIS_SENTINEL_SERVICE 'MyMaster': use lower-case letters",
        ),
        (
            {
                "REDIS_SENTINELS": SENTINELS,
                "REDIS_SENTINEL_SERVICE": "bc-primary",
                "REDIS_URL": "rediss://:pw@redis.internal:6380/0",
            },
            "REDIS_SENTINELS works with a redis:// REDIS_URL",
        ),
        (
            {
                "REDIS_SENTINELS": SENTINELS,
                "REDIS_SENTINEL_SERVICE": "bc-primary",
                "REDIS_URL": None,
                "CACHE_URL": "dbcache://cache_table",
            },
            "REDIS_SENTINELS works with REDIS_URL (password and db), not CACHE_URL",
        ),
    ],
    ids=["no-service", "no-sentinels", "password-only", "bad-port", "upper-case", "tls", "cache-url"],
)
def test_incomplete_sentinel_settings_stop_start_up_naming_the_problem(env, message):
    assert message in settings_error(**env)
