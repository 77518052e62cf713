"""Smoke test of the live-server fixture: two gunicorn instances on one database and Redis."""

import pytest

from accounts.tokens import access_token_for
from tests.boxers.factories import BoxerFactory
from tests.e2e.support import metric_value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_two_instances_serve_health_and_authorize_the_same_token(live_app_factory):
    boxer = BoxerFactory(is_searchable=False)
    token = access_token_for(boxer.user)
    first, second = live_app_factory(), live_app_factory()

    healths = [app.get("/health") for app in (first, second)]
    checks = [
        app.get(
            "/api/v1/permissions/check/",
            params={"action": "boxer.update", "resource_type": "boxer", "resource_id": str(boxer.pk)},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-smoke-1"},
        )
        for app in (first, second)
    ]

    assert [r.status_code for r in healths] == [200, 200]
    assert {r.json()["status"] for r in healths} == {"healthy"}
    assert [r.status_code for r in checks] == [200, 200]
    assert [r.json()["allowed"] for r in checks] == [True, True]
    assert [r.headers["X-Request-ID"] for r in checks] == ["e2e-smoke-1", "e2e-smoke-1"]
    assert "request_id=e2e-smoke-1" in first.log()


def test_metrics_aggregate_every_worker(live_app):
    for _ in range(20):
        assert live_app.get("/health/live").status_code == 200

    body = live_app.get("/metrics").text

    line = next(
        line
        for line in body.splitlines()
        if line.startswith("http_requests_total{")
        and 'view="health-live"' in line
        and 'method="GET"' in line
        and 'status="200"' in line
    )
    # 20 requests here plus the fixture's readiness polls; all workers are summed.
    assert float(line.rsplit(" ", 1)[1]) >= 20


def test_health_shows_the_cache_counters_of_every_worker_as_metrics_does(live_app):
    def health_profile() -> dict:
        return live_app.get("/health").json()["services"]["redis"]["readModels"]["profile"]

    boxer = BoxerFactory()
    before = health_profile()
    for _ in range(20):  # the first read stores the profile, the others hit (in any worker)
        assert live_app.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200

    after = health_profile()
    exported = metric_value(
        live_app.get("/metrics").text, "read_cache_events_total", model="profile", event="hit"
    )

    hits, misses = after["hit"] - before["hit"], after["miss"] - before["miss"]
    assert hits + misses == 20
    assert misses >= 1 and hits >= 18
    assert exported == after["hit"]  # the same sum over the workers' files as /metrics
