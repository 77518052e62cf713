"""The logs of a live gunicorn and a live worker: JSON lines, one per request with its
fields, and not one secret of the auth flows in any of them."""

import json
import re
import tempfile
from pathlib import Path

import pytest
import requests

from tests.e2e.support import poll
from tests.support.auth_flows import EXPECTED, drive, leaks

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VERBOSE_JSON = {
    "LOG_FORMAT": "json",
    "DJANGO_LOG_LEVEL": "DEBUG",
    "REQUEST_LOG_LEVEL": "DEBUG",
    "GUNICORN_LOG_LEVEL": "debug",
}


def test_live_logs_are_json_lines_with_request_fields_and_no_secrets(live_app_factory, live_worker_factory):
    with tempfile.TemporaryDirectory(prefix="bc-mail-") as mail_dir:
        mail_env = {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": mail_dir,
        }
        app = live_app_factory(env={**VERBOSE_JSON, **mail_env, "DJANGO_THROTTLE_RATES": "register=100/hour"})
        worker = live_worker_factory(env={**VERBOSE_JSON, **mail_env})
        session = requests.Session()

        def call(method, path, body, token, cookie):
            headers = {"X-Request-ID": f"scan-{len(seen_ids)}"}
            seen_ids.append(headers["X-Request-ID"])
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if cookie:
                headers["Cookie"] = cookie
            response = session.request(method, app.url + path, json=body, headers=headers, timeout=10)
            return response.status_code, response.json() if response.content else {}

        def reset_token() -> str:
            mails = poll(lambda: list(Path(mail_dir).iterdir()), timeout=20)
            assert mails, worker.log()[-2000:]
            return re.search(r"token=([A-Za-z0-9_\-]+)", mails[0].read_text()).group(1)

        seen_ids: list[str] = []
        secrets = drive(call, email="live-scan@example.com", reset_token=reset_token)
        worker.stop()
        app.stop()
        app_log, worker_log = app.log_path.read_text(), worker.log_path.read_text()

    assert {name: secrets.statuses[name] for name in EXPECTED} == EXPECTED
    not_json = [
        line for line in (app_log + worker_log).splitlines() if line.strip() and not line.startswith("{")
    ]
    assert not_json == []
    lines = [json.loads(line) for line in app_log.splitlines() + worker_log.splitlines() if line.strip()]
    requests_logged = {
        line["request_id"]: line for line in lines if line["logger"] == "boxerconnect.requests"
    }
    access_logged = {line["request_id"]: line for line in lines if line["logger"] == "gunicorn.access"}
    assert set(seen_ids) <= set(requests_logged) and set(seen_ids) <= set(access_logged)
    me = requests_logged["scan-5"]
    assert me["route"] == "auth-me" and me["status"] == 200 and me["method"] == "GET"
    assert me["user_id"] and me["duration_ms"] >= 0
    assert access_logged["scan-5"]["status"] == 200 and access_logged["scan-5"]["path"] == "/api/v1/auth/me/"
    assert any(line["logger"] == "accounts.security" for line in lines)  # the reuse alarm
    assert any(line["logger"] == "boxerconnect.jobs" and line.get("outcome") == "succeeded" for line in lines)
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    assert leaks(app_log + worker_log, secrets) == []
