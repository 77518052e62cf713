"""Ops behaviour through a real gunicorn: database outage, frozen Redis, JSON errors."""

import uuid

import pytest

from tests.support.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_database_outage_through_gunicorn_is_json_503_and_unhealthy(live_app_factory):
    app = live_app_factory(
        env={
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/boxerconnect",
            "DB_CONNECT_TIMEOUT": "1",
        }
    )
    params = {"action": "boxer.view", "resource_type": "boxer", "resource_id": str(uuid.uuid4())}

    health = app.get("/health")
    ready = app.get("/health/ready")
    live = app.get("/health/live")
    api = app.get("/api/v1/permissions/check/", params=params)

    assert (health.status_code, health.json()["status"]) == (503, "unhealthy")
    assert ready.status_code == 503
    assert live.status_code == 200
    assert api.status_code == 503
    assert api.headers["Content-Type"].startswith("application/json")
    assert api.json()["code"] == "database_unavailable"
    assert app.running


@pytest.mark.fault
@pytest.mark.timeout(60)
def test_frozen_redis_leaves_health_degraded_and_the_api_answering(live_app_factory, redis_server):
    app = live_app_factory(redis_url=redis_server.url)
    params = {"action": "boxer.view", "resource_type": "boxer", "resource_id": str(uuid.uuid4())}
    assert app.get("/health").json()["status"] == "healthy"

    redis_server.freeze()
    health = app.get("/health")
    api = [app.get("/api/v1/permissions/check/", params=params) for _ in range(5)]

    assert (health.status_code, health.json()["status"]) == (200, "degraded")
    assert health.json()["services"]["redis"]["status"] == "down"
    assert [r.status_code for r in api] == [200] * 5
    assert {r.json()["allowed"] for r in api} == {False}
