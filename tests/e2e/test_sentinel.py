"""Redis Sentinel, against real servers this module starts: a primary, a replica and three
sentinels (tests/support/sentinel.py), passwords on both.

- In process, from the pytest process and from management commands: the primary is found
  through the sentinels (REDIS_URL's host and port are ignored), the cache works there, and
  /health, `healthcheck` and `permissions_cache stats|rotate` name and use it.
- Under load, two gunicorn instances: a manual failover (`SENTINEL FAILOVER`, the old primary
  still up for seconds), then a crash of the new primary (SIGKILL). No 5xx; every coach-link
  removal is enforced by every request sent after its response (the coach's edit is refused),
  on both instances, across both failovers, and every new link is honoured; the service
  caches on the final primary without a restart.
- A process late to hear of a manual failover (its watcher stopped: CPU-starved, or a missed
  message) while another already serves from the new primary: its removal's bump, a removal
  bumped on the new primary, and a bump landing on the old primary are all honoured (the
  old primary is fenced by the vetting of the new one).
"""

import json
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tokens import access_token_for
from boxerconnect.cache import events, sentinel, stamped
from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache.guarded import guarded
from boxerconnect.health import health_report
from boxerconnect.settings import _redis_cache
from permissions.actions import Action
from permissions.checker import Authorizer
from tests.boxerconnect.subproc import run_manage
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.e2e.support import metric_value, poll
from tests.support.live import LiveApp, database_url_for_tests
from tests.support.sentinel import DATA_PASSWORD, SENTINEL_PASSWORD, SentinelCluster

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Host and port are deliberately wrong: with sentinels only the password and db are used.
REDIS_URL = f"redis://:{DATA_PASSWORD}@127.0.0.1:9/0"
PREFIX = "bc-sentinel"


@pytest.fixture(scope="module")
def cluster():
    cluster = SentinelCluster()
    yield cluster
    sentinel.stop_watching()
    cluster.stop()


def sentinel_env(cluster: SentinelCluster) -> dict[str, str]:
    return {
        "REDIS_URL": REDIS_URL,
        "REDIS_SENTINELS": cluster.sentinel_list,
        "REDIS_SENTINEL_SERVICE": cluster.service,
        "REDIS_SENTINEL_PASSWORD": SENTINEL_PASSWORD,
        "CACHE_KEY_PREFIX": PREFIX,
    }


@pytest.fixture
def sentinel_cache(cluster, settings):
    """Both cache aliases of this process on the cluster, through the sentinels."""
    options = {
        "key_prefix": PREFIX,
        "sentinels": cluster.sentinel_addresses,
        "service": cluster.service,
        "sentinel_password": SENTINEL_PASSWORD,
    }
    settings.REDIS_SENTINELS = cluster.sentinel_addresses
    settings.CACHES = {
        "default": _redis_cache(REDIS_URL, ignore_exceptions=True, **options),
        "guarded": _redis_cache(REDIS_URL, ignore_exceptions=False, **options),
    }
    stamped.reset_process_state()
    yield cluster
    stamped.reset_process_state()


def nonce_on(node) -> bytes | None:
    return node.client().get(f"{PREFIX}:1:{cache_keys.NONCE_KEY}")


@pytest.mark.django_db(transaction=True)  # with the others: pytest-django runs these last
def test_the_app_finds_the_primary_through_the_sentinels_and_caches_there(sentinel_cache):
    cluster = sentinel_cache
    primary = cluster.primary()
    link = CoachLinkFactory(boxer=BoxerFactory(is_searchable=False), rights=["edit_profile"])

    def queries_of_a_check() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk).allowed
        return len(queries)

    assert queries_of_a_check() > 0  # a miss: read from PostgreSQL, stored
    # Then every fact comes from Redis (polled: on this shared machine a sentinel may answer
    # late once, and the breaker then waits its cooldown).
    assert poll(lambda: queries_of_a_check() == 0, timeout=15)
    stored = {key.decode() for key in primary.client().scan_iter(match=f"{PREFIX}:*")}
    assert f"{PREFIX}:1:{cache_keys.NONCE_KEY}" in stored
    assert any(":perm:f:link:" in key for key in stored)
    # Vetted under this deployment's own adopted key, on the primary.
    assert primary.client().get(cache_keys.adopted_key(PREFIX)).decode() == primary.client().info()["run_id"]
    # The fast path's held connection talks to the primary, not to the replica.
    assert guarded._local.held.connection.port == primary.port

    body, status = health_report()
    assert status == 200
    assert body["services"]["redis"]["status"] == "up"
    assert body["services"]["redis"]["primary"] == primary.address
    assert caches["guarded"].client.get_client(write=False).connection_pool.master_address == (
        "127.0.0.1",
        primary.port,
    )


@pytest.mark.django_db(transaction=True)
def test_management_commands_find_the_primary_through_the_sentinels(cluster):
    primary = cluster.primary()
    env = {**sentinel_env(cluster), "DATABASE_URL": database_url_for_tests()}

    health = run_manage("healthcheck", **env)
    assert health.returncode == 0, health.stderr
    report = json.loads(health.stdout[: health.stdout.rindex("}") + 1])
    assert report["services"]["redis"]["status"] == "up"
    assert report["services"]["redis"]["primary"] == primary.address

    before = nonce_on(primary)
    rotated = run_manage("permissions_cache", "rotate", **env)
    assert rotated.returncode == 0, rotated.stderr
    assert nonce_on(primary) not in (None, before)

    stats = run_manage("permissions_cache", "stats", "--json", **env)
    assert stats.returncode == 0, stats.stderr
    redis_stats = json.loads(stats.stdout)["redis"]
    assert redis_stats["primary"] == primary.address
    assert redis_stats["keys"]["nonce"] == 1


# --- Under load: two instances, a manual failover, then a crash -------------------------------

LANES = 3
MAX_ITERATIONS = 400  # per lane; the phases below end the loop long before in practice
CLIENT_TIMEOUT = 10


@dataclass
class Lane:
    """A coach whose active link to a hidden boxer is removed and granted again, in a loop."""

    boxer: str
    owner: dict
    coach: dict
    link: str
    starts: list[float] = field(default_factory=list)  # when each iteration began


@dataclass
class Record:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: list[tuple[str, int]] = field(default_factory=list)
    stale_allows: list[tuple] = field(default_factory=list)
    stale_denies: list[tuple] = field(default_factory=list)
    broken: list[tuple] = field(default_factory=list)

    def call(self, app: LiveApp, method: str, path: str, name: str, **kwargs) -> requests.Response | None:
        try:
            response = app.request(method, path, timeout=CLIENT_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.statuses.append((name, 0))
                self.broken.append((name, type(exc).__name__))
            return None
        with self.lock:
            self.statuses.append((name, response.status_code))
        return response


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {access_token_for(user)}"}


def run_lane(lane: Lane, apps: list[LiveApp], stop: threading.Event, record: Record) -> None:
    """Remove the link, then the coach edits the profile through both instances (403 expected:
    edit_profile is gone), then a new link is requested and accepted (200 again)."""
    profile = f"/api/v1/boxers/{lane.boxer}/"

    def edits(name: str, expected: int, i: int, sink: list) -> None:
        for app in apps:  # both instances, each request sent after the write's response
            response = record.call(
                app, "PATCH", profile, name, json={"bio": f"{name} {i}"}, headers=lane.coach
            )
            if response is not None and response.status_code != expected:
                sink.append((i, name, app.port, response.status_code))
            record.call(app, "GET", profile, "read", headers=lane.coach)  # an authenticated read

    for i in range(MAX_ITERATIONS):
        if stop.is_set():
            return
        lane.starts.append(time.monotonic())
        writer, other = apps[i % 2], apps[(i + 1) % 2]
        edits("warm", 200, i, record.stale_denies)
        removed = record.call(
            writer, "DELETE", f"/api/v1/coach-links/{lane.link}/", "remove", headers=lane.owner
        )
        if removed is None or removed.status_code != 204:
            record.broken.append((i, "remove", None if removed is None else removed.status_code))
            return
        edits("revoked", 403, i, record.stale_allows)
        body = {"boxer": lane.boxer, "rights": ["edit_profile"]}
        asked = record.call(other, "POST", "/api/v1/coach-links/", "request", json=body, headers=lane.coach)
        if asked is None or asked.status_code != 201:
            record.broken.append((i, "request", None if asked is None else asked.status_code))
            return
        lane.link = asked.json()["id"]
        accept = f"/api/v1/coach-links/{lane.link}/accept/"
        accepted = record.call(writer, "POST", accept, "accept", headers=lane.owner)
        if accepted is None or accepted.status_code != 200:
            record.broken.append((i, "accept", None if accepted is None else accepted.status_code))
            return
        edits("granted", 200, i, record.stale_denies)


def iterations_since(lanes: list[Lane], moment: float) -> int:
    return min(sum(1 for started in lane.starts if started > moment) for lane in lanes)


def wait_for_iterations(lanes: list[Lane], moment: float, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while iterations_since(lanes, moment) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def hits(app: LiveApp) -> float:
    return metric_value(app.get("/metrics").text, "permission_cache_events_total", event="hit")


def start_apps(env: dict[str, str]) -> list[LiveApp]:
    """Two gunicorn instances, started side by side."""
    apps: list[LiveApp | None] = [None, None]

    def start(index: int) -> None:
        apps[index] = LiveApp(redis_url=None, workers=2, threads=2, env=env)

    starters = [threading.Thread(target=start, args=(index,)) for index in range(2)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    started = [app for app in apps if app is not None]
    if len(started) != 2:
        for app in started:
            app.cleanup()
        pytest.fail("a gunicorn instance did not start")
    return started


def held_port() -> int:
    """The port the fast path's held connection of this thread talks to (after one read)."""
    guarded.get_many_raw([cache_keys.NONCE_KEY])
    return guarded._local.held.connection.port


@pytest.fixture
def sentinel_apps(transactional_db, sentinel_cache):
    """Two gunicorn instances on the cluster (stopped however the test ends)."""
    env = {
        **sentinel_env(sentinel_cache),
        "DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_GRACEFUL_TIMEOUT": "3",
    }
    apps = start_apps(env)
    yield apps
    for app in apps:
        app.cleanup()


@pytest.mark.django_db(transaction=True)
def test_failovers_under_load_serve_no_5xx_and_lose_no_revocation(sentinel_cache, sentinel_apps):
    cluster, apps = sentinel_cache, sentinel_apps
    cluster.wait_until_ready()
    lanes = []
    for _ in range(LANES):
        link = CoachLinkFactory(rights=["edit_profile"])
        lanes.append(Lane(str(link.boxer.pk), bearer(link.boxer.user), bearer(link.coach), str(link.pk)))
    stop = threading.Event()
    record = Record()
    threads = []
    try:
        threads = [threading.Thread(target=run_lane, args=(lane, apps, stop, record)) for lane in lanes]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        wait_for_iterations(lanes, started, 2)

        # 1. A manual failover: the old primary stays up (and writable) until the sentinels
        #    demote it, seconds later; the load runs on throughout.
        first = cluster.primary()
        # This process too holds a fast-path connection (polled: on this shared machine a
        # sentinel may answer late while the instances start, and the breaker then waits).
        assert poll(lambda: held_port() == first.port, timeout=15)
        switches = events.primary_switches
        switch_1 = time.monotonic()
        cluster.failover()
        second = cluster.wait_for_new_primary(first)
        # Every process is told at once (+switch-master), while the old primary still takes
        # writes: the held connection moves before the sentinels demote (and disconnect) it.
        assert poll(lambda: events.primary_switches > switches, timeout=3)
        assert poll(lambda: held_port() == second.port, timeout=3)
        assert first.client().info("replication")["role"] == "master"
        # The connection handed back was closed and kept, not dropped with its slot.
        pool = caches["guarded"].client.get_client(write=True).connection_pool
        assert isinstance(pool, sentinel.PrimaryConnectionPool)
        assert pool._created_connections == len(pool._available_connections) + len(pool._in_use_connections)
        cluster.wait_until_ready(timeout=45)  # the old primary now replicates the new one
        wait_for_iterations(lanes, switch_1, 3)
        after_1 = iterations_since(lanes, switch_1)

        # 2. The primary crashes (SIGKILL): the sentinels see it down after 1 s and promote
        #    the replica; until then the app runs on PostgreSQL.
        switch_2 = time.monotonic()
        second.kill()
        final = cluster.wait_for_new_primary(second)
        settled = time.monotonic()
        wait_for_iterations(lanes, settled, 3)
        after_2 = iterations_since(lanes, settled)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=CLIENT_TIMEOUT * 3)
    assert final is first  # back on the original node, now promoted from replica
    errors = [(name, status) for name, status in record.statuses if status >= 500 or status == 0]
    assert errors == []
    assert record.broken == []
    assert record.stale_allows == []
    assert record.stale_denies == []
    assert after_1 >= 3 and after_2 >= 3, (after_1, after_2)
    revoked_checks = sum(1 for name, _ in record.statuses if name == "revoked")
    assert revoked_checks >= 2 * LANES * 8  # both instances, every iteration

    # Service is back on the new primary, without a restart: vetted there, caching there.
    client = final.client()
    assert client.get(cache_keys.adopted_key(PREFIX)).decode() == client.info()["run_id"]
    for app in apps:
        assert app.running
        log = app.log()  # each failover seen by this instance's processes themselves
        assert f"moved from {first.address} to {second.address}" in log
        assert f"moved from {second.address} to {final.address}" in log
        health = _poll_health(app)
        assert health["services"]["redis"]["status"] == "up", health
        assert health["services"]["redis"]["primary"] == final.address
        before = hits(app)
        for _ in range(4):
            app.get(f"/api/v1/boxers/{lanes[0].boxer}/", headers=lanes[0].owner)
        assert hits(app) > before
    assert nonce_on(final) is not None
    print(
        f"\nrequests {len(record.statuses)}, revocations checked {revoked_checks}, iterations after "
        f"failover 1: {after_1}, after the crash: {after_2}, crash to promotion "
        f"{settled - switch_2:.1f}s"
    )


def _poll_health(app: LiveApp, timeout: float = 15) -> dict:
    """/health once Redis is reported up (the breaker of the answering worker may still be in
    its cooldown right after the crash), or the last report."""
    deadline = time.monotonic() + timeout
    while True:
        body = app.get("/health").json()
        if body["services"]["redis"]["status"] == "up" or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


# --- A process that has not heard of the switch yet -------------------------------------------
#
# The watcher hears `+switch-master` within milliseconds on an idle machine, but it is one
# thread among the request threads: under CPU starvation, or when a message is missed (caught
# by the poll, POLL_SECONDS later at worst), a process keeps its open connections to the old
# primary, which after `SENTINEL FAILOVER` stays a writable primary for seconds, until the
# sentinels demote it. Meanwhile other processes already serve from the new one. This process
# plays the late one (its watcher stopped); one gunicorn instance plays an up-to-date one.


def _late_process_on_old_primary(cluster, link, monkeypatch) -> tuple:
    """Warm this process on the primary, stop its watcher (for good), fail over; returns
    (old, new)."""
    sentinel.stop_watching()
    monkeypatch.setattr(sentinel, "ensure_watching", lambda connection: None)
    first = cluster.primary()
    assert Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk).allowed
    assert poll(lambda: held_port() == first.port, timeout=15)
    cluster.failover()
    second = cluster.wait_for_new_primary(first)
    return first, second


def _app_on(app: LiveApp, node) -> None:
    """Until the instance's workers name `node` as primary (/health asks the sentinels)."""
    assert poll(
        lambda: app.get("/health").json()["services"]["redis"].get("primary") == node.address, timeout=10
    )


@pytest.mark.django_db(transaction=True)
def test_a_revocation_by_a_process_late_to_hear_of_the_switch_is_honoured(
    sentinel_cache, sentinel_apps, monkeypatch
):
    cluster, app = sentinel_cache, sentinel_apps[0]
    cluster.revive()  # the load test above killed a node
    cluster.wait_until_ready(timeout=45)
    link = CoachLinkFactory(rights=["edit_profile"])
    owner, coach = bearer(link.boxer.user), bearer(link.coach)
    profile = f"/api/v1/boxers/{link.boxer.pk}/"
    first, second = _late_process_on_old_primary(cluster, link, monkeypatch)
    _app_on(app, second)
    for _ in range(4):  # the instance's workers cache the link on the new primary
        assert app.request("PATCH", profile, json={"bio": "warm"}, headers=coach).status_code == 200
    assert first.client().info("replication")["role"] == "master"  # still writable
    # This process removes the link: its bump goes out on its open connection (the old primary).
    removed = Client().delete(f"/api/v1/coach-links/{link.pk}/", HTTP_AUTHORIZATION=owner["Authorization"])
    assert removed.status_code == 204
    edits = [app.request("PATCH", profile, json={"bio": "late"}, headers=coach) for _ in range(4)]
    assert [edit.status_code for edit in edits] == [403] * 4


@pytest.mark.django_db(transaction=True)
def test_a_process_late_to_hear_of_the_switch_honours_a_revocation_made_on_the_new_primary(
    sentinel_cache, sentinel_apps, monkeypatch
):
    cluster, app = sentinel_cache, sentinel_apps[0]
    cluster.revive()  # the load test above killed a node
    cluster.wait_until_ready(timeout=45)
    link = CoachLinkFactory(rights=["edit_profile"])
    owner = bearer(link.boxer.user)
    first, second = _late_process_on_old_primary(cluster, link, monkeypatch)
    _app_on(app, second)  # the instance vetted the new primary
    assert first.client().info("replication")["role"] == "master"

    def bump_on_new_primary(keys) -> None:  # what a process that heard of the switch sends
        backend = caches["guarded"]
        second.client().mset({backend.make_key(key): json.dumps(stamped.token()) for key in keys})

    monkeypatch.setattr(stamped, "send_bumps", bump_on_new_primary)
    removed = Client().delete(f"/api/v1/coach-links/{link.pk}/", HTTP_AUTHORIZATION=owner["Authorization"])
    assert removed.status_code == 204
    assert not Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk).allowed


@pytest.mark.django_db(transaction=True)
def test_a_bump_that_lands_on_a_former_primary_is_made_good_on_the_new_one(
    sentinel_cache, sentinel_apps, monkeypatch
):
    cluster, app = sentinel_cache, sentinel_apps[0]
    cluster.revive()
    cluster.wait_until_ready(timeout=45)
    link = CoachLinkFactory(rights=["edit_profile"])
    first, second = _late_process_on_old_primary(cluster, link, monkeypatch)
    _app_on(app, second)  # the instance vetted the new primary (and fenced the old one)
    assert first.client().info("replication")["role"] == "master"
    nonce = nonce_on(second)
    stamped.send_bumps([cache_keys.clubs_generation_key()])  # this process's first call since
    made = caches["guarded"].make_key(cache_keys.clubs_generation_key())
    assert first.client().get(made) is not None  # it went to the old primary, and is lost there
    assert nonce_on(second) not in (None, nonce)  # the rotation on the new one stands for it
