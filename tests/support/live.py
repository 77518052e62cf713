"""Live gunicorn servers against the pytest test database (see tests/e2e/conftest.py)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.support.metrics import METRICS_TOKEN

REPO = Path(__file__).resolve().parents[2]


START_TIMEOUT = 60.0  # generous: the machine is shared, a cold start can be slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests() -> str:
    """DATABASE_URL of the database this test process uses (the pytest test database)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("e2e tests need PostgreSQL (run them through scripts/test.sh)")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


class LiveApp:
    """One gunicorn master (with its workers) serving the app on a free loopback port."""

    def __init__(self, *, redis_url: str | None, workers: int, threads: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="bc-live-")
        self.log_path = Path(self.dir) / "gunicorn.log"
        prometheus_dir = Path(self.dir) / "prometheus"
        prometheus_dir.mkdir()
        child_env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CACHE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "TEST_DATABASE_NAME"}
        }
        child_env.update(
            {
                "DATABASE_URL": database_url_for_tests(),
                "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
                "DJANGO_DEBUG": "false",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "bc"),
                # Debug is off: /metrics needs this token (request() sends it there), and a
                # mail backend that keeps mail in the process must be chosen explicitly.
                "METRICS_TOKEN": METRICS_TOKEN,
                "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(workers),
                "GUNICORN_THREADS": str(threads),
                "GUNICORN_MAX_REQUESTS": "0",
                "PROMETHEUS_MULTIPROC_DIR": str(prometheus_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if redis_url:
            child_env["REDIS_URL"] = redis_url
        child_env.update(env)
        self.env = child_env
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(REPO / "gunicorn.conf.py"),
                "boxerconnect.wsgi:application",
            ],
            cwd=REPO,
            env=child_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_live()

    def _wait_until_live(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if requests.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        log = self.log()
        self.stop()
        pytest.fail(f"gunicorn on {self.url} did not become live; its log:\n{log[-4000:]}")

    def log(self) -> str:
        """Everything the server printed so far (access log, app log, errors)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request; to /metrics it carries the server's metrics token unless the caller
        passes headers of its own."""
        kwargs.setdefault("timeout", 10)
        if path.split("?")[0] == "/metrics" and "headers" not in kwargs:
            kwargs["headers"] = {"Authorization": f"Bearer {self.env['METRICS_TOKEN']}"}
        return requests.request(method, self.url + path, **kwargs)  # noqa: S113  (default above)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if the master lingers. Idempotent."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if not self._log.closed:
            self._log.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
