"""Fault injection on a live gunicorn server under load: Redis stopped or frozen, PostgreSQL cut.

Each test runs a bounded load loop (threads sending authorization checks whose right
answers are known) against a 2-worker server, breaks a dependency, and checks what the
clients saw: no 5xx where Redis is concerned, the same decisions throughout, JSON 503s
when the database is gone, and recovery without restarting anything.
"""

import random
import time
import uuid
from dataclasses import dataclass

import pytest

from accounts.tokens import access_token_for
from tests.accounts.factories import UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.e2e.support import LoadLoop, TcpProxy, metric_value, percentile, poll, server_errors

pytestmark = [pytest.mark.e2e, pytest.mark.fault, pytest.mark.django_db(transaction=True)]

SOCKET_TIMEOUT = 0.5  # REDIS_SOCKET_TIMEOUT / REDIS_CONNECT_TIMEOUT of the servers under test
COOLDOWN = 1.0  # PERMISSION_CACHE_BREAKER_COOLDOWN
WORKERS = 2
FAULT_ENV = {
    "REDIS_SOCKET_TIMEOUT": str(SOCKET_TIMEOUT),
    "REDIS_CONNECT_TIMEOUT": str(SOCKET_TIMEOUT),
    "PERMISSION_CACHE_BREAKER_COOLDOWN": str(COOLDOWN),
    # Throttles stay on (their histories live in Redis too) but never bite the load loop.
    "DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min",
    "REQUEST_LOG_LEVEL": "WARNING",
    "GUNICORN_ACCESS_LOG": "",
}


@dataclass(frozen=True)
class Probe:
    """One request with a known answer: a permission check (`action` set: `allowed` must be
    `expected`) or a real API call (`path` set: the status must be `expected`)."""

    name: str
    token: str | None
    action: str | None
    boxer_id: str
    expected: bool | int
    method: str = "GET"
    path: str = ""


def _probes() -> list[Probe]:
    """Owner, linked coach, stranger and anonymous asking about a visible and a hidden boxer."""
    hidden = BoxerFactory(is_searchable=False)
    public = BoxerFactory()
    link = CoachLinkFactory(boxer=hidden, rights=["edit_profile"])
    stranger = UserFactory()
    owner_token = access_token_for(hidden.user)
    coach_token = access_token_for(link.coach)
    stranger_token = access_token_for(stranger)
    return [
        Probe("owner-update", owner_token, "boxer.update", str(hidden.pk), True),
        Probe("coach-update", coach_token, "boxer.update", str(hidden.pk), True),
        Probe("coach-fights", coach_token, "fight.manage", str(hidden.pk), False),
        Probe("stranger-update", stranger_token, "boxer.update", str(hidden.pk), False),
        Probe("stranger-view-hidden", stranger_token, "boxer.view", str(hidden.pk), False),
        Probe("stranger-view-public", stranger_token, "boxer.view", str(public.pk), True),
        Probe("anon-view-hidden", None, "boxer.view", str(hidden.pk), False),
        Probe("anon-view-public", None, "boxer.view", str(public.pk), True),
        # The same rules through the real endpoints.
        Probe(
            "api-coach-edits", coach_token, None, str(hidden.pk), 200, "PATCH", f"/api/v1/boxers/{hidden.pk}/"
        ),
        Probe(
            "api-owner-reads-hidden",
            owner_token,
            None,
            str(hidden.pk),
            200,
            "GET",
            f"/api/v1/boxers/{hidden.pk}/",
        ),
        Probe(
            "api-anon-reads-hidden", None, None, str(hidden.pk), 404, "GET", f"/api/v1/boxers/{hidden.pk}/"
        ),
        Probe(
            "api-stranger-edits",
            stranger_token,
            None,
            str(public.pk),
            403,
            "PATCH",
            f"/api/v1/boxers/{public.pk}/",
        ),
        Probe("api-anon-searches", None, None, str(public.pk), 200, "GET", "/api/v1/boxers/?city=Cardiff"),
    ]


def _check_loop(app, probes: list[Probe], **kwargs) -> LoadLoop:
    def make_request(session, index):
        probe = probes[index % len(probes)]
        headers = {"Authorization": f"Bearer {probe.token}"} if probe.token else {}
        if probe.path:
            body = {"bio": f"edit {index}"} if probe.method == "PATCH" else None
            return probe.name, session.request(
                probe.method, app.url + probe.path, json=body, headers=headers, timeout=10
            )
        response = session.get(
            f"{app.url}/api/v1/permissions/check/",
            params={"action": probe.action, "resource_type": "boxer", "resource_id": probe.boxer_id},
            headers=headers,
            timeout=10,
        )
        return probe.name, response

    def keep(name, response):
        body = response.json()  # every answer, errors included, must be JSON
        return body.get("allowed") if isinstance(body, dict) else None

    kwargs.setdefault("threads", 4)
    kwargs.setdefault("max_seconds", 60)
    return LoadLoop(app.url, make_request, keep=keep, **kwargs)


def _wrong_decisions(samples, probes: list[Probe]) -> list:
    by_name = {p.name: p for p in probes}

    def right(sample) -> bool:
        probe = by_name[sample.name]
        if probe.path:
            return sample.status == probe.expected
        return sample.status == 200 and sample.body is probe.expected

    return [s for s in samples if not right(s)]


def _health(app) -> tuple[int, str]:
    response = app.get("/health", timeout=5)
    return response.status_code, response.json()["status"]


def _cache_hits(app) -> float:
    return metric_value(app.get("/metrics").text, "permission_cache_events_total", event="hit")


def _start(live_app_factory, redis_server, **env):
    return live_app_factory(redis_url=redis_server.url, workers=WORKERS, threads=2, env={**FAULT_ENV, **env})


def test_redis_stopped_keeps_every_decision_then_the_cache_is_used_again(live_app_factory, redis_server):
    probes = _probes()
    app = _start(live_app_factory, redis_server)

    with _check_loop(app, probes) as load:
        load.wait_for(200, after=0)
        hits_before_outage = _cache_hits(app)

        redis_server.stop()
        stopped_at = time.monotonic()
        degraded = poll(lambda: _health(app) == (200, "degraded"), timeout=1.0)
        during = load.wait_for(300, after=stopped_at)

        redis_server.start()
        restarted_at = time.monotonic()
        healthy = poll(lambda: _health(app) == (200, "healthy"), timeout=COOLDOWN * 5 + 5)
        hits_at_recovery = _cache_hits(app)
        load.wait_for(300, after=time.monotonic())
        hits_after = _cache_hits(app)
        after = load.since(restarted_at)

    assert hits_before_outage > 0
    assert degraded, "Redis stopped: /health did not say degraded within a second"
    assert server_errors(load.samples) == []
    assert _wrong_decisions(during, probes) == []
    assert healthy, "Redis back: /health did not return to healthy"
    assert _wrong_decisions(after, probes) == []
    assert hits_after > hits_at_recovery, "Redis back: the permission cache is not hit again"


def test_redis_frozen_answers_without_waiting_on_redis_once_the_breaker_is_open(
    live_app_factory, redis_server
):
    probes = _probes()
    app = _start(live_app_factory, redis_server)

    with _check_loop(app, probes) as load:
        load.wait_for(200, after=0)
        warm = load.since(0)[-100:]

        redis_server.freeze()
        frozen_at = time.monotonic()
        degraded = poll(lambda: _health(app) == (200, "degraded"), timeout=1.0 + SOCKET_TIMEOUT)
        # Every worker opens its breaker after a few timeouts; from then on only the single
        # half-open probe per cooldown may pay the socket timeout.
        bypassing = poll(
            lambda: metric_value(app.get("/metrics").text, "cache_round_trips_total", outcome="bypassed") > 0,
            timeout=10,
        )
        open_at = time.monotonic() + 3 * SOCKET_TIMEOUT
        while time.monotonic() < open_at + 4 * COOLDOWN:
            time.sleep(0.1)
        after_open = load.since(open_at)

        redis_server.thaw()
        thawed_at = time.monotonic()
        healthy = poll(lambda: _health(app) == (200, "healthy"), timeout=COOLDOWN * 5 + 5)
        hits_at_recovery = _cache_hits(app)
        load.wait_for(200, after=time.monotonic())
        hits_after = _cache_hits(app)
        after_thaw = load.since(thawed_at)

    latencies = [s.elapsed for s in after_open]
    window = max(s.started for s in after_open) - open_at
    probe_budget = WORKERS * (int(window / COOLDOWN) + 2)
    slow = [s for s in after_open if s.elapsed >= SOCKET_TIMEOUT]
    assert degraded, "Redis frozen: /health did not say degraded in bounded time"
    assert bypassing, "Redis frozen: the breaker never opened"
    assert server_errors(load.samples) == []
    assert _wrong_decisions(load.since(frozen_at), probes) == []
    assert len(after_open) >= 50
    assert percentile(latencies, 90) < SOCKET_TIMEOUT, (
        f"p90 {percentile(latencies, 90):.3f}s after the breaker opened "
        f"(warm p90 {percentile([s.elapsed for s in warm], 90):.3f}s)"
    )
    assert len(slow) <= probe_budget, f"{len(slow)} requests waited on Redis; only probes should"
    assert healthy
    assert _wrong_decisions(after_thaw, probes) == []
    assert hits_after > hits_at_recovery, "Redis thawed: the permission cache is not hit again"


def test_database_cut_gives_json_503s_and_recovers_without_a_restart(live_app_factory, redis_server):
    from django.db import connection

    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    proxy.start()
    database_url = f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}"
    app = _start(live_app_factory, redis_server, DATABASE_URL=database_url, DB_CONNECT_TIMEOUT="1")
    # Unknown boxers are never cached as found: every check of a fresh id reads PostgreSQL.
    anonymous_checks = [(str(uuid.uuid4())) for _ in range(4)]

    def make_request(session, index):
        response = session.get(
            f"{app.url}/api/v1/permissions/check/",
            params={
                "action": "boxer.view",
                "resource_type": "boxer",
                "resource_id": random.choice(anonymous_checks) if index % 2 else str(uuid.uuid4()),
            },
            timeout=10,
        )
        return "fresh" if index % 2 == 0 else "repeat", response

    def keep(name, response):
        return response.json()  # every answer, errors included, must be JSON

    try:
        with LoadLoop(app.url, make_request, keep=keep, threads=3, max_seconds=60) as load:
            load.wait_for(100, after=0)

            proxy.stop()
            cut_at = time.monotonic()
            unhealthy = poll(lambda: _health(app) == (503, "unhealthy"), timeout=10)
            during = load.wait_for(100, after=time.monotonic())
            not_ready = app.get("/health/ready")

            proxy.start()
            restored_at = time.monotonic()
            healthy = poll(lambda: _health(app)[0] == 200, timeout=15)
            recovered = load.wait_for(100, after=time.monotonic())
            ready = app.get("/health/ready").status_code
    finally:
        proxy.close()

    fresh_during = [s for s in during if s.name == "fresh"]
    assert unhealthy, "database cut: /health did not say unhealthy (503) in bounded time"
    assert [s for s in load.samples if s.status not in (200, 503)] == []
    assert fresh_during and {s.status for s in fresh_during} == {503}
    assert {s.body["code"] for s in during if s.status == 503} == {"database_unavailable"}
    assert [s for s in load.since(cut_at) if s.status == 503 and s.started > restored_at + 15] == []
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "not_ready"
    assert healthy, "database back: /health did not recover without a restart"
    assert {s.status for s in recovered} == {200}
    assert ready == 200
    assert app.running


def _coach_edits(app, boxer_id: str, coach_token: str, n: int) -> list[int]:
    headers = {"Authorization": f"Bearer {coach_token}"}
    url = f"/api/v1/boxers/{boxer_id}/"
    return [app.request("PATCH", url, json={"bio": f"e{i}"}, headers=headers).status_code for i in range(n)]


@pytest.mark.parametrize(
    ("redis_keeps_its_data", "workers"),
    [(False, WORKERS), (True, WORKERS)],
    ids=["redis-restarted-empty", "redis-restored-from-snapshot"],
)
def test_link_revoked_while_redis_is_down_is_denied_on_the_first_request_after_it_returns(
    live_app_factory, redis_server, redis_keeps_its_data, workers
):
    """An empty Redis after a restart holds no nonce, so nothing cached before can match.
    A Redis that comes back WITH its data (snapshot, or a network partition that heals)
    still holds the grant under a live stamp: the worker that could not deliver the bump
    rotates the namespace in the background as soon as Redis answers, and every other
    worker, whose connection to the restarted server broke, rotates before it trusts the
    cache again (boxerconnect/cache/events.py)."""
    link = CoachLinkFactory(rights=["edit_profile"])
    boxer_id = str(link.boxer.pk)
    owner = {"Authorization": f"Bearer {access_token_for(link.boxer.user)}"}
    coach_token = access_token_for(link.coach)
    app = live_app_factory(redis_url=redis_server.url, workers=workers, threads=2, env=FAULT_ENV)
    # Warm every worker's view of the link: the grant is cached in Redis.
    warm = _coach_edits(app, boxer_id, coach_token, 10)
    if redis_keeps_its_data:
        redis_server.client().save()  # the restarted server loads this snapshot: cached grant included

    redis_server.stop()
    revoke = app.request("DELETE", f"/api/v1/coach-links/{link.pk}/", headers=owner)
    denied_while_down = _coach_edits(app, boxer_id, coach_token, 4)
    redis_server.start()
    right_after = _coach_edits(app, boxer_id, coach_token, 5)
    time.sleep(COOLDOWN + 0.2)  # every breaker may now probe: the cache is trusted again
    after_cooldown = _coach_edits(app, boxer_id, coach_token, 20)
    healthy = poll(
        lambda: _coach_edits(app, boxer_id, coach_token, 1) == [403] and _health(app) == (200, "healthy"),
        timeout=COOLDOWN * 5 + 5,
    )
    later = _coach_edits(app, boxer_id, coach_token, 10)

    assert warm == [200] * 10
    assert revoke.status_code == 204
    assert denied_while_down == [403] * 4
    assert right_after == [403] * 5, "a revoked coach link still granted access after Redis returned"
    assert after_cooldown == [403] * 20, "a revoked coach link still granted access after Redis returned"
    assert healthy
    assert later == [403] * 10
    assert _cache_hits(app) > 0


def test_health_recovers_after_redis_returns_even_without_api_traffic(live_app_factory, redis_server):
    probes = _probes()
    # One worker: the load loop's kept-alive connections may all land on one worker, and
    # this test needs every breaker open.
    app = live_app_factory(redis_url=redis_server.url, workers=1, threads=2, env=FAULT_ENV)
    with _check_loop(app, probes, max_seconds=30) as load:
        load.wait_for(50, after=0)
        redis_server.stop()
        stopped_at = time.monotonic()
        load.wait_for(50, after=stopped_at)  # every worker's breaker has opened

    degraded = _health(app)
    redis_server.start()
    # Only health probes from now on (an idle night): the report must not stay degraded.
    healthy = poll(lambda: _health(app) == (200, "healthy"), timeout=COOLDOWN * 3 + 5)

    assert degraded == (200, "degraded")
    assert healthy, "Redis is back but /health stays degraded until API traffic closes the breaker"


def test_login_limiting_holds_and_throttles_never_5xx_while_redis_is_down(live_app_factory, redis_server):
    app = _start(live_app_factory, redis_server)
    password = "Sturdy-Jab-Hook-42"
    registered = app.request(
        "POST",
        "/api/v1/auth/register/",
        json={"email": "apollo@example.com", "password": password, "name": "Apollo Creed"},
    )

    redis_server.stop()
    login = "/api/v1/auth/login/"
    wrong = [
        app.request("POST", login, json={"email": "apollo@example.com", "password": "wrong-guess-1"})
        for _ in range(6)
    ]
    right_but_blocked = app.request("POST", login, json={"email": "apollo@example.com", "password": password})
    other_email = app.request("POST", login, json={"email": "rocky@example.com", "password": "wrong-guess-1"})
    throttled_scopes = [
        app.request(
            "POST",
            "/api/v1/auth/register/",
            json={"email": f"new{i}@example.com", "password": password, "name": "New Boxer"},
        )
        for i in range(3)
    ] + [app.request("POST", "/api/v1/auth/password/reset/", json={"email": "apollo@example.com"})]

    assert registered.status_code == 201
    assert [r.status_code for r in wrong] == [401] * 5 + [429]
    assert int(wrong[-1].headers["Retry-After"]) > 0
    assert right_but_blocked.status_code == 429
    assert other_email.status_code == 401
    assert [r.status_code for r in throttled_scopes] == [201, 201, 201, 202]
