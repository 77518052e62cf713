"""Log lines for operators: JSON (one object a line, the default with debug off) or text,
the same for Django, the job worker and gunicorn, with secrets masked on the way out.

No Django imports: gunicorn's master loads this module through gunicorn.conf.py.

Masking is a safety net, not the policy: nothing logs a password, token, `Authorization`
header or cookie on purpose (tests/boxerconnect/test_logging.py drives every auth flow and
scans the output). The net catches what could slip in through an exception message or a
query string: JWTs, `Bearer` credentials, `token=`/`password=`-style parameters and JSON
fields of those names. It costs a few regex scans of each formatted line (measured in
docs/operations.md#logs), never anything per request beyond the line itself.
"""

import logging
import os
import re
from datetime import UTC, datetime

from gunicorn import glogging
from pythonjsonlogger.orjson import OrjsonFormatter

FORMATS = ("json", "text")
MASK = "[redacted]"

# Names whose values are secrets, in parameters, cookies and JSON bodies.
_SECRET_NAMES = (
    r"(?:password|new_password|current_password|passwd|token|access|refresh|secret|api_key|key"  # noqa: S105
    r"|signature|sessionid|csrftoken)"
)
_PATTERNS = (
    # A JWT (header.payload.signature, base64url): access and refresh tokens.
    (re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}"), MASK),
    # Credentials after an auth scheme.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    # name=value in a query string, a form body or a cookie header.
    (
        re.compile(rf"(?i)(?<![A-Za-z0-9_]){_SECRET_NAMES}=([^&;\s\"']+)"),
        lambda m: m.group(0).split("=", 1)[0] + "=" + MASK,
    ),
    # "name": "value" in a JSON body, 'name': 'value' in a Python repr.
    (re.compile(rf"""(?i)(["']{_SECRET_NAMES}["']\s*:\s*)(["'])(?:(?!\2).)*\2"""), rf"\1\2{MASK}\2"),
)
# Substrings without which no pattern can match: most lines have none of them and cost a
# lowercase copy and a few substring searches (under 1 µs), not four regex passes.
_HINTS = (
    "eyj",
    "bearer",
    "basic",
    "passw",
    "token",
    "access",
    "refresh",
    "secret",
    "key",
    "signature",
    "session",
    "csrf",
)


# One regex search for any hint (C, one pass) instead of a generator over them (Python): a
# request log line has about ten string fields, every one of them checked.
_HINT = re.compile("|".join(re.escape(hint) for hint in _HINTS))


def redact(text: str) -> str:
    """`text` with JWTs, bearer credentials and secret-named parameters masked."""
    if _HINT.search(text.lower()) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def log_format(environ=None) -> str:
    """LOG_FORMAT (json or text); by default json, text when DJANGO_DEBUG is true."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("LOG_FORMAT", "").strip().lower()
    if chosen:
        return chosen
    debug = environ.get("DJANGO_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    return "text" if debug else "json"


class JsonFormatter(OrjsonFormatter):
    """{"time", "level", "logger", "message", "request_id", ...every `extra` field}."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(message)s")
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        super().add_fields(log_data, record, message_dict)
        log_data.setdefault("request_id", "-")

    def process_log_record(self, log_data):
        for key, value in log_data.items():
            if isinstance(value, str):
                log_data[key] = redact(value)
        return log_data


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id] message`, masked like the JSON lines."""

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, **kwargs) -> None:
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            datefmt,
            defaults={"request_id": "-"},
            **kwargs,
        )

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def formatter(name: str) -> logging.Formatter:
    return JsonFormatter() if name == "json" else TextFormatter()


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with its error and access lines in LOG_FORMAT.

    Each access line keeps `access_log_format` as its message and carries the request's
    fields (method, path, status, bytes, duration, request id...) for the JSON output. The
    query string is masked; headers other than User-Agent are never logged.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        chosen = formatter(log_format())
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(chosen)

    def access(self, resp, req, environ, request_time) -> None:
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        request_id = atoms.get("{x-request-id}o", "-")
        fields = {
            "request_id": request_id,
            "remote_addr": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": redact(atoms["q"] or ""),
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(atoms["D"] / 1000, 1),
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra=fields)
        except Exception:
            self.exception("access log line failed")
