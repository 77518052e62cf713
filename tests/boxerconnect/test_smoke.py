"""Smoke tests of the skeleton: health, JSON errors, schema."""

import pytest

pytestmark = pytest.mark.django_db


def test_health_is_healthy_with_database_and_redis_up(api):
    response = api.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["services"]["database"]["status"] == "up"
    assert body["services"]["redis"]["status"] == "up"


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
