"""CORS policy from CORS_ALLOWED_ORIGINS: API and health only, errors included."""

import pytest

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.example.com"


@pytest.fixture(autouse=True)
def _cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def test_preflight_from_an_allowed_origin_is_answered(api):
    response = api.options(
        "/api/v1/permissions/check/",
        HTTP_ORIGIN=ALLOWED,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in response["Access-Control-Allow-Headers"]


def test_other_origins_get_no_cors_headers(api):
    response = api.get("/health", HTTP_ORIGIN="https://evil.example.com")

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/health", "/health/live", "/api/v1/nope/"])
def test_health_and_api_responses_carry_cors_headers_and_expose_the_request_id(api, path):
    response = api.get(path, HTTP_ORIGIN=ALLOWED)

    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


def test_a_rejected_oversized_body_still_carries_cors_headers(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10

    response = api.post(
        "/api/v1/permissions/check/",
        data='{"x": "0123456789"}',
        content_type="application/json",
        HTTP_ORIGIN=ALLOWED,
    )

    assert response.status_code == 413
    assert response["Access-Control-Allow-Origin"] == ALLOWED


def test_admin_is_outside_the_cors_policy(api):
    response = api.get("/admin/login/", HTTP_ORIGIN=ALLOWED)

    assert "Access-Control-Allow-Origin" not in response
