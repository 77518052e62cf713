"""Live gunicorn against a redis-server the test owns: the connection budget holds under more
concurrent requests than threads (counted with CLIENT LIST), and worker recycling leaves the
Prometheus multiprocess directory bounded with every count kept."""

import re
import threading
import time
from pathlib import Path

import pytest
import redis
import requests

from accounts.tokens import access_token_for
from boxerconnect.prometheus_files import ARCHIVED_TYPES
from tests.boxers.factories import BoxerFactory
from tests.e2e.support import metric_value, poll
from tests.support.live import LiveApp
from tests.support.servers import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUIET = {
    "DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min",
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_GRACEFUL_TIMEOUT": "3",
}


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


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
    pool_sizes = [v for v in _per_process(text, "redis_pool_connections").values()]
    assert pool_sizes and all(1 <= size <= per_process for size in pool_sizes)
    assert set(_per_process(text, "redis_pool_max_connections").values()) == {float(per_process)}


def _per_process(text: str, name: str) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {
        s.labels.get("pid", ""): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def test_recycled_workers_leave_the_metrics_directory_bounded_and_every_count_kept(redis_server):
    workers, requests_sent = 2, 60
    app = LiveApp(
        redis_url=redis_server.url,
        workers=workers,
        threads=1,
        env={
            **QUIET,
            "GUNICORN_MAX_REQUESTS": "6",
            "GUNICORN_MAX_REQUESTS_JITTER": "0",
            "GUNICORN_LOG_LEVEL": "info",
        },
    )
    directory = Path(app.env["PROMETHEUS_MULTIPROC_DIR"])
    most_files = 0
    try:
        # (start-up probes that timed out client-side may still be counted: start from here)
        served_before = metric_value(app.get("/metrics").text, "http_requests_total", view="health-live")
        for i in range(requests_sent):
            assert app.get("/health/live").status_code == 200
            if i % 10 == 0:
                most_files = max(most_files, len(list(directory.glob("*.db"))))
        # /metrics and /health read the files: both still answer, and no count was lost.
        text = app.get("/metrics").text
        health = app.get("/health")
        # Every file left belongs to a live worker (or is an archive), once the master has
        # reaped the worker that may be exiting right now.
        poll(lambda: not dead_pids(directory), timeout=10)
        dead = dead_pids(directory)
        files = sorted(p.name for p in directory.glob("*.db"))
        recycles = len(re.findall(r"Autorestarting worker", app.log()))
    finally:
        app.cleanup()

    assert recycles >= 6  # ~60 / 6 recycles happened
    assert health.status_code == 200
    assert metric_value(text, "http_requests_total", view="health-live") - served_before == requests_sent
    # Only live workers' files (a handful of types each) and one archive per summed type.
    assert dead == set(), files
    assert {f"{kind}_archive.db" for kind in ("counter", "histogram")} <= set(files)
    bound = (workers + 1) * 6 + len(ARCHIVED_TYPES)  # +1: a worker booting while one exits
    assert max(most_files, len(files)) <= bound, files


def dead_pids(directory: Path) -> set[str]:
    pids = {p.name.rsplit("_", 1)[1].removesuffix(".db") for p in directory.glob("*.db")} - {"archive"}
    return {pid for pid in pids if not Path(f"/proc/{pid}").exists()}
