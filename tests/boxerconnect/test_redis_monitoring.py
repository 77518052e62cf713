"""The guide's Redis monitoring on /metrics, against a private redis-server: round-trip latency
by path, the server's INFO figures (read at most once per REDIS_INFO_INTERVAL, never by an API
request, absent when INFO is denied), redis_up, each process's pool; and the pool budget:
a process out of connections serves without the cache (200, breaker closed, no rotation)."""

import pytest
from django.core.cache import caches
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from boxerconnect.cache import serverinfo, stamped
from boxerconnect.cache.breaker import CLOSED
from boxerconnect.cache.guarded import guarded
from tests.boxerconnect.subproc import load_settings, settings_error
from tests.boxers.factories import BoxerFactory
from tests.support.metrics import scrape

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    found = [v for (n, lbl), v in samples(text).items() if n == name and set(labels.items()) <= set(lbl)]
    return sum(found) if found else None


def info_calls(server) -> int:
    """INFO commands the server executed so far, this reading excluded (it is counted after)."""
    stats = server.client().info("commandstats")
    return int(stats.get("cmdstat_info", {}).get("calls", 0))


@pytest.fixture
def monitored(private_redis, settings):
    settings.REDIS_INFO_INTERVAL = 3600.0  # one INFO for the whole test unless it forgets
    serverinfo.forget()
    private_redis.client().config_set("maxmemory", str(64 * 1024 * 1024))
    yield private_redis
    serverinfo.forget()


def browse(client_for, times: int = 3) -> None:
    """Authenticated profile reads: the fast-path MGET, then stores (client path)."""
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    for _ in range(times):
        assert client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200


def test_metrics_export_latency_server_figures_and_this_processes_pool(monitored, client_for, settings):
    browse(client_for)
    monitored.client().get("no-such-key")  # a keyspace miss at least
    text = scrape()

    assert value(text, "redis_round_trip_seconds_count", path="fast") > 0
    assert value(text, "redis_round_trip_seconds_count", path="client") > 0
    assert value(text, "redis_round_trip_seconds_bucket", path="fast", le="+Inf") > 0
    assert value(text, "redis_up") == 1
    assert value(text, "redis_memory_max_bytes") == 64 * 1024 * 1024
    assert 0 < value(text, "redis_memory_used_bytes") < 64 * 1024 * 1024
    assert value(text, "redis_connected_clients") >= 2  # this process's pool and the test's client
    assert value(text, "redis_keyspace_hits_total") > 0
    assert value(text, "redis_keyspace_misses_total") > 0
    assert value(text, "redis_evicted_keys_total") == 0
    assert value(text, "redis_pool_max_connections") == settings.REDIS_MAX_CONNECTIONS
    assert 1 <= value(text, "redis_pool_connections") <= settings.REDIS_MAX_CONNECTIONS


def test_info_is_read_once_per_interval_by_scrapes_and_never_by_api_requests(monitored, client_for):
    browse(client_for, times=1)  # connections opened (and vetted with INFO server) beforehand
    scrape()
    before = info_calls(monitored)

    browse(client_for, times=5)
    for _ in range(5):
        scrape()

    assert info_calls(monitored) - before - 1 == 0  # the snapshot is an hour young
    serverinfo.forget()
    before = info_calls(monitored)
    scrape()
    scrape()
    assert info_calls(monitored) - before - 1 == 1


def test_the_snapshot_gate_runs_on_the_monotonic_clock(monitored, settings):
    settings.REDIS_INFO_INTERVAL = 5.0
    now = [1000.0]
    guarded.ping()  # the pool's connection is open (and vetted) before counting
    before = info_calls(monitored)

    first = serverinfo.snapshot(clock=lambda: now[0])
    now[0] += 4.9
    assert serverinfo.snapshot(clock=lambda: now[0]) is first
    now[0] += 0.1
    renewed = serverinfo.snapshot(clock=lambda: now[0])

    assert renewed is not first and renewed.taken == 1005.0
    assert info_calls(monitored) - before - 1 == 2


def test_a_denied_info_leaves_the_figures_out_and_is_no_redis_failure(monitored, client_for):
    browse(client_for, times=1)
    admin = monitored.client()
    admin.execute_command("ACL", "SETUSER", "default", "-info")
    try:
        text = scrape()
        browse(client_for, times=1)
    finally:
        admin.execute_command("ACL", "SETUSER", "default", "+info")

    assert value(text, "redis_up") == 1
    assert value(text, "redis_memory_used_bytes") is None
    assert value(text, "redis_keyspace_hits_total") is None
    assert value(text, "redis_round_trip_seconds_count", path="fast") > 0  # the app's own figures stay
    assert guarded.breaker.state == CLOSED
    assert not stamped.rotation_pending()


def test_redis_down_is_redis_up_0_and_the_scrape_still_answers(monitored):
    monitored.stop()

    text = scrape()

    assert value(text, "redis_up") == 0
    assert value(text, "redis_memory_used_bytes") is None


# --- The pool budget: out of connections is "no cache for this call", never an error ---------


def exhausted_total() -> float:
    return REGISTRY.get_sample_value("redis_pool_exhausted_total") or 0.0


def test_a_process_out_of_connections_serves_from_the_database_without_tripping_anything(
    private_redis, client_for, settings
):
    # One connection: the request thread's fast-path MGET keeps it; every other call waits
    # REDIS_POOL_TIMEOUT for a second one that never comes.
    kwargs = settings.CACHES["guarded"]["OPTIONS"]["CONNECTION_POOL_KWARGS"]
    kwargs.update(max_connections=1, timeout=0.05)
    before = exhausted_total()
    boxer = BoxerFactory()
    client = client_for(boxer.user)

    statuses = [client.get(f"/api/v1/boxers/{boxer.pk}/").status_code for _ in range(3)]

    serverinfo.forget()
    text = scrape()  # its INFO finds no connection either: no figures, no error

    assert statuses == [200, 200, 200]
    assert exhausted_total() > before
    assert value(text, "redis_up") is None and value(text, "redis_pool_exhausted_total") > 0
    assert guarded.breaker.state == CLOSED  # the server is fine: no failure counted
    assert not stamped.rotation_pending()  # nothing was sent, nothing was missed
    assert private_redis.client().info("clients")["connected_clients"] <= 2  # the pool's one + ours
    pool = caches["guarded"].client.get_client(write=False).connection_pool
    assert len(pool._connections) == 1


def test_a_bump_the_pool_could_not_send_still_rotates_the_namespace(private_redis, client_for, settings):
    kwargs = settings.CACHES["guarded"]["OPTIONS"]["CONNECTION_POOL_KWARGS"]
    kwargs.update(max_connections=1, timeout=0.05)
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    assert client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200  # the MGET keeps the one

    response = client.patch(f"/api/v1/boxers/{boxer.pk}/", {"bio": "new"}, format="json")

    assert response.status_code == 200
    assert stamped.rotation_pending()  # the undelivered bump: nothing in Redis is trusted now


# --- REDIS_MAX_CONNECTIONS: explicit, sized from the threads, checked at start-up ------------


def pool_options(**env: str) -> dict:
    caches = load_settings("CACHES", REDIS_URL="redis://cache.internal:6379/0", **env)["CACHES"]
    options = caches["guarded"]["OPTIONS"]
    assert options == caches["default"]["OPTIONS"] | {"IGNORE_EXCEPTIONS": False}
    return options


def test_the_default_budget_follows_the_threads_and_the_fast_path():
    options = pool_options(GUNICORN_THREADS="4")

    assert options["CONNECTION_POOL_CLASS"] == "boxerconnect.cache.pool.BudgetedConnectionPool"
    assert options["CONNECTION_POOL_KWARGS"]["max_connections"] == 4 * 2 + 2
    assert options["CONNECTION_POOL_KWARGS"]["timeout"] == 0.25
    assert (
        pool_options(GUNICORN_THREADS="4", CACHE_FAST_PATH="false")["CONNECTION_POOL_KWARGS"][
            "max_connections"
        ]
        == 4 + 2
    )


def test_an_explicit_budget_and_wait_are_used():
    kwargs = pool_options(GUNICORN_THREADS="2", REDIS_MAX_CONNECTIONS="3", REDIS_POOL_TIMEOUT="0.5")[
        "CONNECTION_POOL_KWARGS"
    ]

    assert (kwargs["max_connections"], kwargs["timeout"]) == (3, 0.5)


def test_a_budget_the_fast_path_cannot_live_with_is_a_start_up_error():
    message = settings_error(
        REDIS_URL="redis://cache:6379/0", GUNICORN_THREADS="4", REDIS_MAX_CONNECTIONS="4"
    )

    assert "REDIS_MAX_CONNECTIONS=4" in message and "at least 5" in message
