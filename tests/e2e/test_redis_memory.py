"""Memory pressure (issue 14, item 6): Redis at `maxmemory 8mb` with `allkeys-lru`, flooded with
cacheable reads and writes from many users and bursts of filler keys, while coach links are
revoked and granted again and profiles rewritten. Keys of every kind (the nonce, generations,
facts, read models) are evicted under the app's feet; every revocation is still honoured on
the very next request, every rewrite read back, and nothing answers 5xx. The eviction count
is visible in `permissions_cache stats` (and INFO).
"""

import json
import random
import threading

import pytest
import redis as redis_py

from accounts.tokens import access_token_for
from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory
from tests.e2e.support import LoadLoop, metric_value, poll, server_errors
from tests.support.restricted_redis import PREFIX, log_problems, manage
from tests.support.servers import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BOXERS = 60
CYCLES = 8  # revoke, check, grant again, check; then a profile rewrite read back
FILLER_BURST = 12 * 1024 * 1024  # more than maxmemory: every burst evicts most of what is there
FILLER_VALUE = 64 * 1024


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {access_token_for(user)}"}


def kind_of(key: str) -> str:
    """The family of an evicted key (keys.py)."""
    name = key.split(":", 2)[-1] if key.startswith(f"{PREFIX}:") else key
    if name == "perm:nonce":
        return "nonce"
    if name.startswith(("perm:g:", "read:g:")):
        return "generation"
    if name.startswith("perm:f:"):
        return "fact"
    if name.startswith("read:f:"):
        return "read model"
    return "throttle" if name.startswith("throttle_") else "other"


class Evictions:
    """Every key the server evicts, from its keyspace notifications (`notify-keyspace-events Ee`)."""

    def __init__(self, server: RedisServer) -> None:
        self.keys: list[str] = []
        self._pubsub = server.client().pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(**{"__keyevent@0__:evicted": self._on_message})
        self._thread = self._pubsub.run_in_thread(sleep_time=0.05, daemon=True)

    def _on_message(self, message: dict) -> None:
        self.keys.append(message["data"].decode())

    def stop(self) -> None:
        self._thread.stop()
        self._thread.join(timeout=5)
        self._pubsub.close()

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for key in self.keys:
            counts[kind_of(key)] = counts.get(kind_of(key), 0) + 1
        return counts


class Filler:
    """Bursts of FILLER_BURST bytes of junk keys, one burst every `every` seconds, until stopped."""

    def __init__(self, server: RedisServer, every: float = 1.0) -> None:
        self.client = redis_py.Redis(port=server.port, socket_timeout=5)
        self.every, self.bursts = every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="filler", daemon=True)
        self._thread.start()

    def burst(self) -> None:
        pipeline = self.client.pipeline(transaction=False)
        value = random.randbytes(FILLER_VALUE)
        for i in range(FILLER_BURST // FILLER_VALUE):
            pipeline.set(f"filler:{self.bursts}:{i}", value)
        pipeline.execute()
        self.bursts += 1

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.burst()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@pytest.fixture
def small_redis():
    server = RedisServer(
        *("--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru", "--notify-keyspace-events", "Ee")
    )
    server.start()
    yield server
    server.stop()


def test_evictions_of_every_kind_never_give_a_stale_allow_or_a_5xx(small_redis, live_app_factory):
    boxers = BoxerFactory.create_batch(BOXERS)
    coach = CoachFactory()
    target = boxers[0]
    owner, coached = bearer(target.user), bearer(coach)
    path = f"/api/v1/boxers/{target.pk}/"
    app = live_app_factory(
        redis_url=small_redis.url,
        env={
            "CACHE_KEY_PREFIX": PREFIX,
            "DJANGO_THROTTLE_RATES": "anon=off,user=off",
            "REDIS_INFO_INTERVAL": "1",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": "3",
        },
    )
    readers = [bearer(b.user) for b in boxers[1:]]

    def flood(session, i):
        """Cacheable reads (profiles, directory pages) as many users, and profile writes."""
        boxer = random.choice(boxers[1:])
        headers = random.choice(readers) if i % 2 else {}
        if i % 10 == 0:  # a write: bumps the profile's and the directory's generations
            mine = bearer(boxer.user)
            body = {"bio": f"flood {i}"}
            return "write", session.patch(
                f"{app.url}/api/v1/boxers/{boxer.pk}/", json=body, headers=mine, timeout=10
            )
        if i % 3 == 0:
            params = {
                "page": 1 + i % 3,
                "page_size": 10,
                "ordering": random.choice(["name", "-name", "weight_kg"]),
            }
            return "directory", session.get(
                f"{app.url}/api/v1/boxers/", params=params, headers=headers, timeout=10
            )
        return "profile", session.get(f"{app.url}/api/v1/boxers/{boxer.pk}/", headers=headers, timeout=10)

    evictions = Evictions(small_redis)
    stale, checks = [], []
    with LoadLoop(app.url, flood, threads=3, max_seconds=120, max_requests=20000) as load:
        filler = Filler(small_redis)
        try:
            for cycle in range(CYCLES):
                asked = app.request(
                    "POST",
                    "/api/v1/coach-links/",
                    json={"boxer": str(target.pk), "rights": ["edit_profile"]},
                    headers=coached,
                )
                link = asked.json()["id"]
                accepted = app.request("POST", f"/api/v1/coach-links/{link}/accept/", headers=owner)
                granted = [
                    app.request("PATCH", path, json={"bio": f"coach {cycle}"}, headers=coached)
                    for _ in range(3)
                ]
                filler.burst()  # evict (almost) everything the grant cached
                revoked = app.request("DELETE", f"/api/v1/coach-links/{link}/", headers=owner)
                denied = [app.request("PATCH", path, json={"bio": "stale"}, headers=coached).status_code]
                filler.burst()
                denied += [
                    app.request("PATCH", path, json={"bio": "stale"}, headers=coached).status_code
                    for _ in range(2)
                ]
                rewritten = app.request("PATCH", path, json={"bio": f"owner {cycle}"}, headers=owner)
                read_back = [app.get(path).json()["bio"] for _ in range(2)]
                checks.append(
                    (asked.status_code, accepted.status_code, revoked.status_code, rewritten.status_code)
                )
                stale += [
                    (cycle, "grant not honoured", s.status_code) for s in granted if s.status_code != 200
                ]
                stale += [(cycle, "revocation not honoured", s) for s in denied if s != 403]
                stale += [(cycle, "stale read model", b) for b in read_back if b != f"owner {cycle}"]
        finally:
            filler.stop()
    evictions.stop()
    (stats,), log = manage(small_redis.url, ("permissions_cache", "stats", "--json"))
    evicted_info = int(small_redis.client().info("stats")["evicted_keys"])
    exported = poll(lambda: metric_value(app.get("/metrics").text, "redis_evicted_keys_total"), timeout=10)

    assert checks == [(201, 200, 204, 200)] * CYCLES
    assert stale == []
    assert server_errors(load.samples) == []
    assert len(load.samples) > 200  # a real flood ran alongside
    assert log_problems(app.log()) == [] and log_problems(log) == []
    kinds = evictions.kinds()
    assert {"nonce", "generation", "fact", "read model"} <= set(kinds), kinds
    evicted_stats = json.loads(stats.stdout)["redis"]["server"]["evicted_keys"]
    assert evicted_stats >= len(evictions.keys) > 1000
    assert evicted_info >= evicted_stats
    assert exported and exported >= 1000  # /metrics shows them too (INFO, read every second here)
    print(
        f"\nevicted {len(evictions.keys)} keys by kind {kinds}; {len(load.samples)} flood requests; "
        f"{filler.bursts} filler bursts; INFO evicted_keys {evicted_info}"
    )


@pytest.fixture
def full_redis():
    """`noeviction` (Redis' default policy) at a small cap: once full, every write is refused
    with OOM while reads go on."""
    server = RedisServer("--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
    server.start()
    yield server
    server.stop()


def fill_until_oom(server: RedisServer, client: redis_py.Redis) -> int:
    """Fill with big values, then with tiny ones: even a small write is refused afterwards
    (while `client` stays connected: closing it frees its buffers)."""
    written = 0
    for size in (16 * 1024, 1024, 16):
        value = random.randbytes(size)
        for _ in range(100_000):
            try:
                client.set(f"filler:{written}", value)
            except redis_py.exceptions.OutOfMemoryError:
                break
            written += 1
    return written


def test_a_full_redis_refusing_writes_never_gives_a_stale_allow(full_redis, live_app_factory):
    """The troubleshooting row's OOM (`noeviction`): writes refused, reads still served. A
    revocation's bump cannot be written, so it is delivered as a deletion: three workers,
    whichever answers, the coach's next request is refused."""
    link_owner, coach = BoxerFactory(), CoachFactory()
    owner, coached = bearer(link_owner.user), bearer(coach)
    path = f"/api/v1/boxers/{link_owner.pk}/"
    app = live_app_factory(
        redis_url=full_redis.url,
        workers=3,
        threads=2,
        env={
            "CACHE_KEY_PREFIX": PREFIX,
            "GUNICORN_GRACEFUL_TIMEOUT": "3",
            "PERMISSION_CACHE_BREAKER_COOLDOWN": "1",
            # No throttle counter rides along with the request's MGET: a pure read, which a
            # full Redis still serves (with one, the write in it fails the whole round trip).
            "DJANGO_THROTTLE_RATES": "anon=off,user=off",
        },
    )
    asked = app.request(
        "POST",
        "/api/v1/coach-links/",
        json={"boxer": str(link_owner.pk), "rights": ["edit_profile"]},
        headers=coached,
    )
    link = asked.json()["id"]
    assert app.request("POST", f"/api/v1/coach-links/{link}/accept/", headers=owner).status_code == 200
    granted = [
        app.request("PATCH", path, json={"bio": "coach"}, headers=coached).status_code for _ in range(12)
    ]
    filler = redis_py.Redis(port=full_redis.port, socket_timeout=5)
    filled = fill_until_oom(full_redis, filler)

    revoked = app.request("DELETE", f"/api/v1/coach-links/{link}/", headers=owner)
    after = [
        app.request("PATCH", path, json={"bio": "stale"}, headers=coached).status_code for _ in range(30)
    ]

    assert granted == [200] * 12 and filled > 0
    assert revoked.status_code == 204
    assert after == [403] * 30
    log = app.log()
    assert "cache guarded call failed: OutOfMemoryError" in log  # Redis was refusing writes
    assert "cache bump delivered as a deletion" in log  # and the revocation went out as a DEL
    assert log_problems(log, tracebacks=True) != []  # the refusals are in the log ("call failed")
    assert [line for line in log.splitlines() if '"status":5' in line or '"status": 5' in line] == []
