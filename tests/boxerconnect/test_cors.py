"""CORS policy: API and health only, errors included; explicit origins in production, the usual
local front ends too with debug on."""

import pytest

from tests.boxerconnect.subproc import run_python

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


# --- Which origins: explicit in production, the usual local front ends with debug on ----------

_PREFLIGHT = """
import django
django.setup()
from django.test import Client
response = Client().options(
    "/api/v1/auth/login/",
    HTTP_ORIGIN=%r,
    HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
)
print(response.headers.get("Access-Control-Allow-Origin", "-"))
"""


def allowed_origin(origin: str, **env: str | None) -> str:
    """Access-Control-Allow-Origin of a preflight from `origin`, in a process with `env`."""
    result = run_python(_PREFLIGHT % origin, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


DEV_ORIGINS = [
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://localhost:5173",
    "http://127.0.0.1:5173",
]


@pytest.mark.django_db(False)
@pytest.mark.parametrize("origin", [*DEV_ORIGINS, "http://localhost:4200"])
def test_with_debug_on_local_front_ends_and_frontend_url_are_allowed(origin):
    env = {"DJANGO_DEBUG": "true", "FRONTEND_URL": "http://localhost:4200/app", "CORS_ALLOWED_ORIGINS": None}

    assert allowed_origin(origin, **env) == origin


@pytest.mark.django_db(False)
def test_with_debug_on_other_origins_are_still_refused_and_explicit_ones_kept():
    env = {"DJANGO_DEBUG": "true", "CORS_ALLOWED_ORIGINS": "https://staging.example.com"}

    assert allowed_origin("http://localhost:8080", **env) == "-"
    assert allowed_origin("https://staging.example.com", **env) == "https://staging.example.com"
    assert allowed_origin("http://localhost:5173", **env) == "http://localhost:5173"


@pytest.mark.django_db(False)
@pytest.mark.parametrize("origin", [*DEV_ORIGINS, "http://localhost:4200"])
def test_in_production_only_the_explicit_origins_are_allowed(origin):
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "FRONTEND_URL": "http://localhost:4200",
        "CORS_ALLOWED_ORIGINS": "https://app.example.com",
    }

    assert allowed_origin(origin, **env) == "-"
    assert allowed_origin("https://app.example.com", **env) == "https://app.example.com"
