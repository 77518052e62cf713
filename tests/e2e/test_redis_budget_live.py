"""Live gunicorn against a redis-server the test owns: the connection budget holds under more
concurrent requests than threads (counted with CLIENT LIST)."""

import threading
import time

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from accounts.tokens import access_token_for
from tests.boxers.factories import BoxerFactory
from tests.e2e.support import metric_value
from tests.support.live import LiveApp

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUIET = {
    "DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min",
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_GRACEFUL_TIMEOUT": "3",
}


def app_connections(monitor) -> int:
    """Client connections to the server but the monitor's own (named `budget-monitor`)."""
    listing = monitor.execute_command("CLIENT", "LIST")
    text = listing.decode() if isinstance(listing, bytes) else str(listing)
    return sum(1 for line in text.splitlines() if line and " name=budget-monitor " not in line)


@pytest.mark.parametrize(
    ("max_connections", "per_process"),
    [("", 3 * 2 + 2), ("4", 4)],  # the default for 3 threads; the tightest one allowed
    ids=["default-budget", "tight-budget"],
)
def test_concurrent_requests_never_open_more_connections_than_the_budget(
    redis_server, max_connections, per_process
):
    workers, threads, clients = 2, 3, 12  # 12 concurrent clients for 6 request threads
    app = LiveApp(
        redis_url=redis_server.url,
        workers=workers,
        threads=threads,
        env={**QUIET, "REDIS_MAX_CONNECTIONS": max_connections},
    )
    budget = workers * per_process
    boxers = [BoxerFactory() for _ in range(clients)]
    tokens = [access_token_for(b.user) for b in boxers]
    monitor = redis.Redis(port=redis_server.port, socket_timeout=1, single_connection_client=True)
    monitor.client_setname("budget-monitor")
    peak, statuses, stop = [0], [], threading.Event()

    def client(i: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        while not stop.is_set():
            target = boxers[(i + len(statuses)) % clients].pk  # profiles of others: misses and hits
            response = session.get(f"{app.url}/api/v1/boxers/{target}/", headers=headers, timeout=10)
            statuses.append(response.status_code)

    try:
        runners = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        for runner in runners:
            runner.start()
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            peak[0] = max(peak[0], app_connections(monitor))
            if not app.running:
                pytest.fail(f"the gunicorn master died; its log:\n{app.log()[-4000:]}")
            scrape = app.get("/metrics")  # a scrape's INFO and the health probe join the load
            assert scrape.status_code == 200
            app.get("/health")
            time.sleep(0.02)
        stop.set()
        for runner in runners:
            runner.join(timeout=15)
        text = app.get("/metrics").text
    finally:
        stop.set()
        app.cleanup()

    assert len(statuses) > 100
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert 0 < peak[0] <= budget, (peak[0], budget)
    assert metric_value(text, "redis_round_trip_seconds_count", path="fast") > 0
    pool_sizes = list(_per_process(text, "redis_pool_connections").values())
    assert pool_sizes and all(1 <= size <= per_process for size in pool_sizes)
    assert set(_per_process(text, "redis_pool_max_connections").values()) == {float(per_process)}


def _per_process(text: str, name: str) -> dict[str, float]:
    """A per-process gauge's value by pid."""
    return {
        s.labels.get("pid", ""): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }
