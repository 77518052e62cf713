"""Redis servers restricted as production ones are: an ACL user instead of `default`, commands
renamed away as managed services do, `maxmemory` with eviction. Plus the checks that nothing
was refused: the server's ACL LOG, the app's logs, and management commands run as the app.
"""

import json
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from boxerconnect.cache import acl
from tests.support.servers import RedisServer
from tests.support.workers import worker_env

REPO = Path(__file__).resolve().parents[2]
ADMIN_USER = "admin"
ADMIN_PASSWORD = secrets.token_hex(16)
APP_PASSWORD = secrets.token_hex(16)
PREFIX = "bc"  # the prefix the documented ACL line is written for

# What managed services (ElastiCache, Redis Cloud, Upstash...) rename away or refuse.
MANAGED_DENIED = ("CONFIG", "KEYS", "FLUSHALL", "FLUSHDB", "DEBUG", "MONITOR", "SCAN", "CLIENT")


def documented_acl_lines() -> list[str]:
    """Every `ACL SETUSER ...` line docs/operations.md gives (the app's user, `default` off)."""
    text = (REPO / "docs" / "operations.md").read_text()
    return [line.strip() for line in text.splitlines() if line.strip().startswith("ACL SETUSER ")]


def documented_acl_line() -> str:
    """The one `ACL SETUSER boxerconnect ...` line docs/operations.md gives."""
    lines = [line for line in documented_acl_lines() if line.startswith(f"ACL SETUSER {acl.USERNAME} ")]
    assert len(lines) == 1, (
        f"docs/operations.md should give exactly one ACL SETUSER line for the app, found {lines}"
    )
    return lines[0]


def acl_server(*args: str) -> RedisServer:
    """A started redis-server with an admin user (the test's) besides `default`."""
    server = RedisServer(
        *("--user", ADMIN_USER, "on", f">{ADMIN_PASSWORD}", "~*", "&*", "+@all"),
        *args,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
    )
    server.start()
    return server


def create_app_user(server: RedisServer, *more_rules: str) -> str:
    """Run docs/operations.md's `ACL SETUSER` lines as the admin, in order: the app's user
    (APP_PASSWORD for its placeholder, then `more_rules`) and `default` off. Returns the app's
    REDIS_URL for that user."""
    assert documented_acl_lines() == [documented_acl_line(), "ACL SETUSER default off"]
    for line in documented_acl_lines():
        words = line.split()
        if words[2] == acl.USERNAME:
            assert f">{acl.PASSWORD_PLACEHOLDER}" in words
            words = [f">{APP_PASSWORD}" if w == f">{acl.PASSWORD_PLACEHOLDER}" else w for w in words]
            words += more_rules
        server.client().execute_command(*words)
    return f"redis://{acl.USERNAME}:{APP_PASSWORD}@127.0.0.1:{server.port}/0"


def acl_log(server: RedisServer) -> list[str]:
    """What the server refused since the last reset (`ACL LOG`): "reason object username"."""
    return [f"{e['reason']} {e['object']} {e['username']}" for e in server.client().acl_log()]


_STATUS = re.compile(r'"status": ?(\d{3})\b')


def log_problems(text: str, *, tracebacks: bool = True) -> list[str]:
    """Lines of an app or worker log showing a refused command, a failed cache call, a 5xx or
    (with `tracebacks`) a traceback."""
    markers = ("NOPERM", "noperm", "unknown command", "call failed", "ResponseError")
    markers += ("Traceback",) if tracebacks else ()
    return [
        line
        for line in text.splitlines()
        if any(m in line for m in markers) or any(int(s) >= 500 for s in _STATUS.findall(line))
    ]


_RUN_COMMANDS = """
import io, json, sys
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
results = []
for args in json.loads(sys.argv[1]):
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
        code, error = 0, ""
    except CommandError as exc:
        code, error = 1, str(exc)
    results.append({"code": code, "stdout": out.getvalue(), "error": error})
print("RESULTS " + json.dumps(results))
"""


@dataclass
class CommandRun:
    code: int
    stdout: str
    error: str


def manage(redis_url: str, *commands: tuple[str, ...]) -> tuple[list[CommandRun], str]:
    """Run management commands (each a tuple of arguments) one after the other in ONE new
    process, as the app would run them: the test database, this REDIS_URL. Returns each
    command's outcome and the process's stderr (its log)."""
    result = subprocess.run(
        [sys.executable, "-c", _RUN_COMMANDS, json.dumps(commands)],
        cwd=REPO,
        env=worker_env(
            {
                "REDIS_URL": redis_url,
                "CACHE_KEY_PREFIX": PREFIX,
                "DJANGO_SETTINGS_MODULE": "boxerconnect.settings",
            }
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "RESULTS " in result.stdout, result.stderr[-3000:]
    runs = json.loads(result.stdout.rsplit("RESULTS ", 1)[1])
    return [CommandRun(**run) for run in runs], result.stderr


def health_body(run: CommandRun) -> dict:
    """The JSON report `manage.py healthcheck` printed before its verdict line."""
    return json.loads(run.stdout[: run.stdout.rindex("}") + 1])
