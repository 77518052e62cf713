"""Structured logs: the request line's fields, LOG_FORMAT, masking, and no secret in any line."""

import io
import json
import logging
import re

import pytest
from django.core import mail

from boxerconnect.jobs.worker import run_due_jobs
from boxerconnect.logs import JsonFormatter, TextFormatter, redact
from boxerconnect.request_context import RequestIdLogFilter
from tests.accounts.factories import AdminFactory, UserFactory
from tests.boxerconnect.subproc import load_settings, run_python, settings_error
from tests.support.auth_flows import EXPECTED, drive, leaks

pytestmark = pytest.mark.django_db


class Capture(logging.Handler):
    """Every record of every logger at DEBUG, for the duration of a `with` block."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdLogFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self):
        manager = logging.root.manager
        self._levels = {
            name: lg.level for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)
        }
        self._root_level = logging.root.level
        for name in self._levels:
            logging.getLogger(name).setLevel(logging.DEBUG)
        logging.root.setLevel(logging.DEBUG)
        logging.root.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.root.removeHandler(self)
        logging.root.setLevel(self._root_level)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def lines(self, formatter: logging.Formatter) -> list[str]:
        return [formatter.format(record) for record in self.records]

    def json_lines(self, logger: str) -> list[dict]:
        json_formatter = JsonFormatter()
        return [json.loads(json_formatter.format(r)) for r in self.records if r.name == logger]


# --- The request line ----------------------------------------------------------------------


def test_one_json_line_per_request_with_id_user_route_method_status_duration(client_for):
    user = UserFactory()

    with Capture() as captured:
        client_for(user).get("/api/v1/auth/me/", HTTP_X_REQUEST_ID="trace-42")
        client_for().get(f"/api/v1/boxers/{user.pk}/")

    me, anonymous = captured.json_lines("boxerconnect.requests")
    assert me["request_id"] == "trace-42"
    assert me["user_id"] == str(user.pk)
    assert me["route"] == "auth-me"
    assert (me["method"], me["path"], me["status"]) == ("GET", "/api/v1/auth/me/", 200)
    assert isinstance(me["duration_ms"], float) and me["duration_ms"] >= 0
    assert me["level"] == "INFO" and me["logger"] == "boxerconnect.requests"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", me["time"])
    assert me["message"].startswith("GET /api/v1/auth/me/ 200 ")
    assert anonymous["user_id"] is None
    assert anonymous["route"] == "boxer-detail"
    assert anonymous["status"] == 404


def test_the_request_line_reads_no_session_to_find_the_user(client, django_assert_num_queries):
    client.force_login(AdminFactory())  # a session cookie the API never reads

    with Capture() as captured, django_assert_num_queries(0):
        client.get("/health/live")

    [line] = captured.json_lines("boxerconnect.requests")
    assert line["user_id"] is None


def test_the_admin_user_is_logged_once_the_admin_has_read_it(client):
    admin = AdminFactory()
    client.force_login(admin)

    with Capture() as captured:
        client.get("/admin/")

    [line] = captured.json_lines("boxerconnect.requests")
    assert line["user_id"] == str(admin.pk)
    assert line["route"] == "admin:index"


def test_text_format_is_one_readable_line_with_the_request_id():
    record = logging.LogRecord(
        "boxerconnect.requests", logging.INFO, __file__, 1, "GET / 200 %s", ("1.0ms",), None
    )
    record.request_id = "abc"

    line = TextFormatter().format(record)

    assert re.fullmatch(r"\S+ \S+ INFO boxerconnect\.requests \[abc\] GET / 200 1\.0ms", line)


# --- LOG_FORMAT ------------------------------------------------------------------------------


def test_log_format_is_json_by_default_and_text_in_debug_mode():
    def handler_formatter(**env) -> str:
        logging_settings = load_settings("LOGGING", **env)["LOGGING"]
        return logging_settings["handlers"]["console"]["formatter"]

    assert handler_formatter() == "json"
    assert handler_formatter(DJANGO_DEBUG="true") == "text"
    assert handler_formatter(DJANGO_DEBUG="true", LOG_FORMAT="json") == "json"
    assert handler_formatter(LOG_FORMAT="text") == "text"
    assert "LOG_FORMAT must be json or text, got 'xml'" in settings_error(LOG_FORMAT="xml")


def test_a_management_command_logs_json_lines():
    code = (
        "import django; django.setup(); import logging; logging.getLogger('x').warning('hello %s', 'there')"
    )

    result = run_python(code)

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "x", "hello there")


# --- Masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl012", "abc.def-ghi_jkl012"),
        ("refresh eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ failed", "eyJzdWIiOiIxMjMifQ"),
        ("GET /x?token=s3cr3t-t0ken&page=2", "s3cr3t-t0ken"),
        ("https://app/reset-password?token=AbC_dEf-123", "AbC_dEf-123"),
        ('{"password": "hunter2-pw", "email": "a@b.c"}', "hunter2-pw"),
        ("{'new_password': 'Pw-1234', 'x': 1}", "Pw-1234"),
        ("Cookie: sessionid=abcd1234; csrftoken=efgh5678", "abcd1234"),
    ],
)
def test_secrets_are_masked_in_any_line(text, secret):
    masked = redact(text)

    assert secret not in masked
    assert "[redacted]" in masked


def test_masking_leaves_ordinary_lines_alone():
    line = "GET /api/v1/boxers/?page=2&city=cardiff 200 3.1ms route=boxer-list user=-"

    assert redact(line) == line


def test_the_formatters_mask_messages_extras_and_tracebacks():
    try:
        raise ValueError("bad token=abcdef123456")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "auth %s", ("Bearer zzzzzzzzzz",), sys.exc_info()
        )
    record.request_id = "-"
    record.query = "refresh=qqqqqqqqqq"

    for formatter in (JsonFormatter(), TextFormatter()):
        out = formatter.format(record)
        assert "zzzzzzzzzz" not in out and "abcdef123456" not in out
    assert "qqqqqqqqqq" not in JsonFormatter().format(record)


# --- No secret in any line -----------------------------------------------------------------------


def test_no_log_line_holds_a_secret_of_the_auth_flows(api):
    def call(method, path, body, token, cookie):
        headers = {}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if cookie:
            headers["HTTP_COOKIE"] = cookie
        response = api.generic(
            method, path, json.dumps(body or {}), content_type="application/json", **headers
        )
        return response.status_code, json.loads(response.content) if response.content else {}

    def reset_token() -> str:
        run_due_jobs()  # the worker sends the mail (its logs are captured too)
        return re.search(r"token=([A-Za-z0-9_\-]+)", mail.outbox[-1].body).group(1)

    with Capture() as captured:
        secrets = drive(call, email="scan@example.com", reset_token=reset_token)

    assert {name: secrets.statuses[name] for name in EXPECTED} == EXPECTED
    assert len(captured.records) > 20  # the flows were logged: requests, jobs, security
    assert any(r.name == "accounts.security" for r in captured.records)  # the reuse alarm
    everything = "\n".join(
        [
            *captured.lines(JsonFormatter()),
            *captured.lines(TextFormatter()),
            *(repr(r.__dict__) for r in captured.records),
        ]
    )
    assert "route=auth-password-reset-confirm" in everything  # the scan reads the real lines
    assert leaks(everything, secrets) == []


def test_the_json_output_stream_holds_whole_lines_only():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("boxerconnect.test-stream")
    log.addHandler(handler)
    try:
        log.warning("multi\nline %s", "message")
    finally:
        log.removeHandler(handler)

    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == "multi\nline message"
