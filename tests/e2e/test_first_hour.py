"""A newcomer's first hour, from a fresh clone in a fresh shell: every command README.md and the
`make run` banner print works as printed.

The repository's committed HEAD is cloned into a temporary directory (uncommitted changes
are not in a clone: commit first). The clone reuses this suite's virtualenv through a
symlinked `.venv` (scripts/setup-venv.sh finds it up to date: its stamps hold checksums of the
requirements, not file times). Every command then runs with `bash` in the clone, in an
environment with nothing but PATH, HOME and LANG. Only the port changes: `make run` is
started with a free port (PORT) and `localhost:8000` in the printed commands points at it.

What is run, and how the README is read:
- the banner of `make run` (started as `DEMO=1 make run`, so the documented demo start runs
  too): every URL it prints answers, and every `$ command` line it prints is run;
- every ```bash block of README.md, in order, as one script per block (a block holding only
  `make run` is the server already started);
- every other command README.md prints (in other fences or in `inline code`) is either run
  by one of those blocks or listed in NOT_RUN with the reason; a listed command that the
  README no longer prints fails the test, so the list cannot outlive the page.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240  # a cold start migrates and seeds the demo data on a shared 2-core machine
COMMAND_TIMEOUT = 180
SUPERUSER = {
    "DJANGO_SUPERUSER_EMAIL": "first.hour@example.com",
    "DJANGO_SUPERUSER_NAME": "First Hour",
    "DJANGO_SUPERUSER_PASSWORD": "First-Hour-Admin-2026",
}
# Commands the README prints that this test does not run, and why.
NOT_RUN = {
    "make test": "the suite itself (CI runs it from a fresh clone); run from here it would recurse",
    "scripts/test.sh tests/permissions -x": "a part of the suite; run from here it would recurse",
    "make fuzz": "minutes of schemathesis against gunicorn, PostgreSQL and Redis; never part of make test",
    "make load": "a 60-second load benchmark against gunicorn; never part of make test",
    "make bench": "minutes of benchmarks (wrk, PostgreSQL, Redis); never part of make test",
    "make bench-scale": "seeds 10,000 to 1,000,000 boxers and times the hot reads; never part of make test",
    "make bench-floor": "minutes of wrk against gunicorn, beside /health/live; never part of make test",
    "make bench-warm": "a benchmark of CPU per warm request in process; never part of make test",
    "docker compose up -d db redis": "needs a Docker engine; test_deployment.py checks the compose file",
    "gunicorn -c gunicorn.conf.py boxerconnect.wsgi": "the production server: tests/e2e live tests start it",
    "manage.py worker": "a long-running process: make run starts one beside the server (run above), and the "
    "live tests start real workers (tests/support/workers.py)",
    "manage.py check --deploy --fail-level WARNING": "needs production settings: test_deployment.py has them",
}
# Server starts: the test starts `make run` itself, on a free port.
SERVER_STARTS = {"make run", "DEMO=1 make run", "PORT=8001 make run"}
# A command line: optional VAR=value prefixes, then a program this page tells people to run
# (`manage.py` alone names the file; `manage.py healthcheck` is a command).
_COMMAND = re.compile(
    r"^(?:[A-Z][A-Z0-9_]*=\S+ )*"
    r"(?:(?:make|\.venv/bin/\S+|scripts/\S+|curl|docker|gunicorn)(?: |$)|manage\.py )"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_env(**extra: str) -> dict[str, str]:
    """What a new terminal has: PATH (without any virtualenv), HOME, LANG."""
    path = os.pathsep.join(
        part for part in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if "/.venv/" not in part
    )
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "LANG": os.environ.get("LANG", "C.UTF-8")}
    return {**env, **extra}


# --- Reading the README -----------------------------------------------------------------------


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def block_commands(body: str) -> list[str]:
    """The commands of a block: continuation lines joined, comments dropped."""
    commands = []
    for line in body.replace("\\\n", " ").splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            commands.append(" ".join(command.split()))
    return commands


def printed_commands(text: str) -> set[str]:
    """Every command-like line of a fence and every command-like `inline code` span."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    spans = {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)}
    for _, body in fenced_blocks(text):
        spans |= set(block_commands(body))
    return {span for span in spans if _COMMAND.match(span)}


def covered(command: str, run: list[str]) -> bool:
    if command in NOT_RUN or command in SERVER_STARTS or command in run:
        return True
    if "<" in command:  # a template ("manage.py <command>"): some run command fills it in
        pattern = re.sub(
            r"<[^>]+>", lambda _: r".+", re.escape(command).replace(r"\<", "<").replace(r"\>", ">")
        )
        return any(re.fullmatch(pattern, line) for line in run)
    if command.startswith("manage.py "):  # a command named in prose: run in its printed form
        name = command.split()[1]
        return any(re.search(rf"manage\.py {re.escape(name)}\b", line) for line in run)
    return False


README = (REPO / "README.md").read_text()


def test_every_command_the_readme_prints_is_run_here_or_excused_with_a_reason():
    run = [c for language, body in fenced_blocks(README) if language == "bash" for c in block_commands(body)]
    printed = printed_commands(README)

    assert len(printed) >= 12  # the scan itself works
    assert {c for c in printed if not covered(c, run)} == set()
    assert set(NOT_RUN) - printed == set(), "NOT_RUN names a command the README no longer prints"


# --- The first hour ---------------------------------------------------------------------------


class Clone:
    """A fresh clone of HEAD with this suite's virtualenv, where commands run in a fresh shell."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "boxerconnect"
        self.port = _free_port()
        self.server: subprocess.Popen | None = None
        self.server_log = root / "make-run.log"

    def clone(self) -> None:
        if shutil.which("git") is None or not (REPO / ".git").exists():
            pytest.skip("needs git and a git checkout")
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(self.dir)], check=True, timeout=120)
        (self.dir / ".venv").symlink_to(Path(sys.prefix))

    def sh(self, script: str, timeout: float = COMMAND_TIMEOUT, **env: str) -> subprocess.CompletedProcess:
        """Run `script` with bash in the clone, printed commands' port pointed at the server."""
        script = re.sub(r"\b(localhost|127\.0\.0\.1):8000\b", rf"\1:{self.port}", script)
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=self.dir,
            env=fresh_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, **env: str) -> str:
        """`make run` in the background; returns its output once it serves."""
        with open(self.server_log, "wb") as log:
            self.server = subprocess.Popen(
                ["bash", "-c", "make run"],
                cwd=self.dir,
                env=fresh_env(PORT=str(self.port), **env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.server_log.read_text()
            try:
                if requests.get(f"{self.url}/health/live", timeout=2).status_code == 200:
                    return self.server_log.read_text()
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        pytest.fail(f"make run did not serve within {START_TIMEOUT} s:\n{self.server_log.read_text()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=15)


@pytest.fixture
def clone(tmp_path):
    clone = Clone(tmp_path)
    clone.clone()
    yield clone
    clone.stop()


def assert_succeeded(result: subprocess.CompletedProcess, what: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{output}"
    assert "Traceback" not in output, f"{what}:\n{output}"
    # An API error body anywhere in the output means a printed request failed.
    assert not re.search(r'[{,]\s*"code":\s*"', result.stdout), f"{what} got an API error:\n{result.stdout}"


def banner_of(output: str) -> tuple[list[str], list[str]]:
    """The URLs (of this server) and the `$ command` lines the banner prints."""
    start = output.index("BoxerConnect is starting on")
    banner = output[start : output.index("Press Ctrl-C to stop.", start)]
    urls = re.findall(r"http://127\.0\.0\.1:\d+\S*", banner)
    commands = [m.strip() for m in re.findall(r"^\s+\$ (.+?)(?:\s{2,}.*)?$", banner, re.MULTILINE)]
    return urls, commands


def test_every_printed_command_works_from_a_fresh_clone_in_a_fresh_shell(clone):
    output = clone.start(DEMO="1")

    # make run wrote a development .env once, with debug on and a random secret of its own.
    dotenv = (clone.dir / ".env").read_text()
    assert re.search(r"^DJANGO_DEBUG=true$", dotenv, re.MULTILINE)
    secret = re.search(r"^DJANGO_SECRET_KEY=(\S+)$", dotenv, re.MULTILINE).group(1)
    assert len(secret) >= 50
    demo_logins = (clone.dir / "demo-logins.txt").read_text()

    # The banner: every URL answers, every command runs.
    urls, banner_commands = banner_of(output)
    assert len(urls) >= 5 and banner_commands == ["make superuser", "make demo"]
    for url in urls:
        assert requests.get(url.replace("127.0.0.1:8000", f"127.0.0.1:{clone.port}"), timeout=30).ok, url

    # The README's blocks, in order (the banner's commands are among them: checked below).
    ran = []
    for language, body in fenced_blocks(README):
        commands = block_commands(body)
        if language != "bash" or set(commands) <= SERVER_STARTS:
            continue
        result = clone.sh(body, **SUPERUSER)
        assert_succeeded(result, body)
        ran += commands
    assert set(banner_commands) <= set(ran)

    # The logins printed before are the logins after `make demo` ran again, and they work.
    assert (clone.dir / "demo-logins.txt").read_text() == demo_logins
    owner = re.search(r"^gym_owner\s+(\S+)\s+(\S+)$", demo_logins, re.MULTILINE)
    login = requests.post(
        f"{clone.url}/api/v1/auth/login/", json={"email": owner[1], "password": owner[2]}, timeout=30
    )
    assert login.status_code == 200
    admin = requests.post(
        f"{clone.url}/api/v1/auth/login/",
        json={
            "email": SUPERUSER["DJANGO_SUPERUSER_EMAIL"],
            "password": SUPERUSER["DJANGO_SUPERUSER_PASSWORD"],
        },
        timeout=30,
    )
    assert admin.status_code == 200 and admin.json()["user"]["role"] == "admin"

    # .env was written once and never overwritten; it, the database and the logins are ignored.
    assert (clone.dir / ".env").read_text() == dotenv
    status = clone.sh("git status --porcelain --untracked-files=all")
    assert status.stdout.splitlines() == ["?? .venv"], status.stdout

    # Debug on: a POST without the trailing slash is redirected with its body; a local front
    # end's origin is allowed.
    response = requests.post(
        f"{clone.url}/api/v1/auth/login",
        json={
            "email": SUPERUSER["DJANGO_SUPERUSER_EMAIL"],
            "password": SUPERUSER["DJANGO_SUPERUSER_PASSWORD"],
        },
        timeout=30,
    )
    preflight = requests.options(
        f"{clone.url}/api/v1/auth/login/",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert [r.status_code for r in response.history] == [308]
    assert response.status_code == 200 and response.json()["user"]["role"] == "admin"
    assert preflight.headers.get("Access-Control-Allow-Origin") == "http://localhost:5173"


def test_the_dotenv_switch_turns_the_file_off_as_the_test_script_does(clone):
    wrote = clone.sh("scripts/setup-venv.sh requirements.txt && scripts/dev-env.sh")
    assert_succeeded(wrote, "dev-env.sh")

    with_file = clone.sh(".venv/bin/python manage.py check")
    without = clone.sh(".venv/bin/python manage.py check", DJANGO_READ_ENV_FILE="false")
    again = clone.sh("scripts/dev-env.sh")

    assert with_file.returncode == 0, with_file.stderr
    assert without.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in without.stderr
    assert again.returncode == 0 and "wrote .env" not in again.stdout
