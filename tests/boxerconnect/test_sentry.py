"""Sentry, opt-in: what the SDK would send, captured by its own transport hook, holds no secret."""

import io
import json
import logging

import pytest
import sentry_sdk
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from sentry_sdk.transport import Transport

from boxerconnect import sentry
from tests.boxerconnect.subproc import run_python

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.boxerconnect.urls_for_tests")]

PASSWORD = "Hidden-Uppercut-913"
NEW_PASSWORD = "Hidden-Southpaw-514"
RESET_TOKEN = "rAwReSeTtOkEn-0123456789abcdefghijklmnopqrstuv"
SESSION = "sessioncookievalue0123456789"
CSRF = "csrfcookievalue0123456789"


class CapturingTransport(Transport):
    """Keeps every envelope the SDK would send; sends nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [item.payload.json for env in self.envelopes for item in env.items if item.payload.json]

    def raw(self) -> str:
        return "\n".join(env.serialize().decode(errors="replace") for env in self.envelopes)


def wsgi_post(path: str, body: dict, **headers: str) -> str:
    """POST through the real WSGI entry point (as gunicorn calls it), where the SDK's Django
    integration collects the request; returns the status line."""
    from boxerconnect.wsgi import application

    raw = json.dumps(body).encode()
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **headers,
    }
    statuses = []
    # As Django's test client does: no connection closing at request boundaries, which
    # would end the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return statuses[0]


@pytest.fixture
def captured():
    transport = CapturingTransport()
    sentry.init(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="boxerconnect@test",
        traces_sample_rate=1.0,
        transport=transport,
    )
    yield transport
    sentry_sdk.init()  # no DSN: the SDK goes quiet again for the rest of the suite


def test_sentry_is_off_without_a_dsn_and_on_with_one():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"

    off = run_python(code)
    on = run_python(code, SENTRY_DSN="https://public@sentry.invalid/1")

    assert off.stdout.strip().splitlines()[-1] == "False"
    assert on.stdout.strip().splitlines()[-1] == "True", on.stderr


def test_an_error_report_carries_no_password_token_authorization_or_cookie(captured, api):
    user_tokens = api.post(
        "/api/v1/auth/register/",
        {"email": "sentry@example.com", "password": PASSWORD, "name": "Sentry Boxer"},
        format="json",
    ).json()
    access, refresh = user_tokens["access"], user_tokens["refresh"]
    body = {
        "password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "token": RESET_TOKEN,
        "refresh": refresh,
        "note": f"see https://app.example/reset-password?token={RESET_TOKEN}",
    }

    status = wsgi_post(
        f"/test/boom-with-body/?access={access}&page=2",
        body,
        HTTP_AUTHORIZATION=f"Bearer {access}",
        HTTP_COOKIE=f"sessionid={SESSION}; csrftoken={CSRF}",
        HTTP_X_REQUEST_ID="sentry-test-1",
    )
    logging.getLogger("boxerconnect.test").error(
        "refresh %s failed; link %s", refresh, f"https://app.example/reset-password?token={RESET_TOKEN}"
    )
    sentry_sdk.flush()

    assert status.startswith("500")
    events = [e for e in captured.events() if e.get("exception") or e.get("logentry")]
    error = next(e for e in events if e.get("exception"))
    assert error["exception"]["values"][-1]["type"] == "RuntimeError"
    assert error["request"]["url"].endswith("/test/boom-with-body/")
    assert error["request"]["headers"]["X-Request-Id"] == "sentry-test-1"  # headers were sent ...
    assert "page=2" in error["request"]["query_string"]
    assert set(error["request"]["data"]) == set(body)  # ... and the body
    assert any(e.get("logentry") for e in events)  # the log record became an event too
    raw = captured.raw()
    for secret in (PASSWORD, NEW_PASSWORD, RESET_TOKEN, access, refresh, SESSION, CSRF):
        assert secret not in raw
    for part in (*access.split("."), *refresh.split(".")):
        assert part not in raw or len(part) < 20  # no JWT segment either (the short header is public)
    assert "[redacted]" in raw or "[Filtered]" in raw  # the request data was there, masked


def test_a_failing_job_reports_no_reset_link(captured, settings):
    from boxerconnect import jobs
    from boxerconnect.jobs.worker import run_due_jobs

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # refused
    jobs.enqueue_mail(
        to="x@example.com", subject="Reset", body=f"https://app/reset-password?token={RESET_TOKEN}"
    )

    run_due_jobs()
    sentry_sdk.flush()

    assert any(e.get("exception") or e.get("logentry") for e in captured.events())
    assert RESET_TOKEN not in captured.raw()
