"""Every error is JSON (`{"detail", "code"}` or field errors), never an HTML page."""

import json
import uuid

import pytest
from django.test import Client

from tests.boxerconnect.subproc import run_python

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.boxerconnect.urls_for_tests")]


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/nope", "/api/v1/permissions/check/extra/"])
def test_unknown_path_is_json_404(api, path):
    response = api.get(path)

    assert_json_error(response, 404, "not_found")


def test_wrong_method_on_an_api_view_is_json_405(api):
    response = api.delete("/api/v1/permissions/check/")

    body = assert_json_error(response, 405, "method_not_allowed")
    assert body["detail"] == 'Method "DELETE" not allowed.'


@pytest.mark.parametrize("path", ["/health", "/health/live", "/health/ready", "/metrics"])
def test_wrong_method_on_an_ops_endpoint_is_json_405_with_allow_header(api, path):
    response = api.post(path)

    body = assert_json_error(response, 405, "method_not_allowed")
    assert body["detail"] == 'Method "POST" not allowed.'
    assert response["Allow"] == "GET, HEAD"
    assert int(response["Content-Length"]) == len(response.content)


def test_malformed_json_is_400_parse_error(api):
    response = api.post("/test/echo/", data='{"name": "Tyson",', content_type="application/json")

    assert_json_error(response, 400, "parse_error")


def test_wrong_media_type_is_415(api):
    response = api.post("/test/echo/", data="name=Tyson", content_type="text/plain")

    body = assert_json_error(response, 415, "unsupported_media_type")
    assert "text/plain" in body["detail"]


def test_form_encoded_body_is_415_as_only_json_is_accepted(api):
    response = api.post("/test/echo/", data="name=Tyson", content_type="application/x-www-form-urlencoded")

    assert_json_error(response, 415, "unsupported_media_type")


def test_well_formed_json_passes(api):
    response = api.post("/test/echo/", data={"name": "Tyson"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"received": {"name": "Tyson"}}


@pytest.mark.parametrize("path", ["/test/echo/", "/test/body-plain/"])
def test_body_over_the_limit_is_json_413(api, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"bio": "x" * 1000})

    response = api.post(path, data=body, content_type="application/json")

    assert_json_error(response, 413, "request_too_large")


def test_body_at_the_limit_is_accepted(api, settings):
    body = json.dumps({"bio": "x" * 980})
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)

    response = api.post("/test/echo/", data=body, content_type="application/json")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/test/boom/", "/test/boom-plain/"])
def test_unhandled_exception_is_json_500_without_traceback(path):
    client = Client(raise_request_exception=False)

    response = client.get(path)

    body = assert_json_error(response, 500, "server_error")
    assert "RuntimeError" not in response.content.decode()
    assert body == {"detail": "Internal server error.", "code": "server_error"}


def test_throttled_request_is_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/min"},
    }
    params = {"action": "boxer.view", "resource_type": "boxer", "resource_id": str(uuid.uuid4())}

    statuses = [api.get("/api/v1/permissions/check/", params).status_code for _ in range(2)]
    response = api.get("/api/v1/permissions/check/", params)

    assert statuses == [200, 200]
    assert_json_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_disallowed_host_is_json_400():
    client = Client(raise_request_exception=False)

    response = client.get("/health/live", HTTP_HOST="evil.example.com")

    assert_json_error(response, 400, "bad_request")


# --- Database unavailable: a real process whose database port is closed -----------------

_REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
out = {}
for path in %r:
    response = client.get(path)
    out[path] = {"status": response.status_code, "type": response["Content-Type"],
                 "body": response.content.decode()}
print(json.dumps(out))
"""


def closed_port_database_url() -> str:
    from tests.support.servers import free_port

    return f"postgres://postgres@127.0.0.1:{free_port()}/boxerconnect"


def test_database_outage_is_json_503_on_api_views():
    check = f"/api/v1/permissions/check/?action=boxer.view&resource_type=boxer&resource_id={uuid.uuid4()}"

    result = run_python(
        _REQUESTS % ([check],),
        DATABASE_URL=closed_port_database_url(),
        DB_CONNECT_TIMEOUT="1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        REDIS_URL=None,
    )

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout.strip().splitlines()[-1])[check]
    assert response["status"] == 503
    assert response["type"].startswith("application/json")
    assert json.loads(response["body"])["code"] == "database_unavailable"
    assert "127.0.0.1" not in response["body"]
