"""`manage.py worker` processes for tests, against the pytest test database.

Use them from transactional tests (`@pytest.mark.django_db(transaction=True)`): the worker
is another process and sees only committed rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from boxerconnect.jobs.models import WorkerHeartbeat
from tests.support.live import database_url_for_tests

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0

# Fast enough for tests, slow enough not to busy the 2-core machine.
FAST_JOBS = {
    "JOBS_POLL_INTERVAL": "0.1",
    "JOBS_HEARTBEAT_INTERVAL": "0.5",
    "JOBS_WORKER_TIMEOUT": "3",
    "JOBS_RETRY_DELAY": "0.5",
    "JOBS_RETRY_MAX_DELAY": "1",
}


def worker_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment pointed at the test database, periodic jobs off,
    fast job settings, then `env` on top."""
    child = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "PROMETHEUS_MULTIPROC_DIR", "TEST_DATABASE_NAME"}
    }
    child.update(
        {
            "DATABASE_URL": database_url_for_tests(),
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_DEBUG": "false",
            "PURGE_TOKENS_SCHEDULE": "off",
            "PRUNE_JOBS_SCHEDULE": "off",
            "PYTHONUNBUFFERED": "1",
            **FAST_JOBS,
        }
    )
    child.update(env or {})
    return child


class LiveWorker:
    """One `manage.py worker` process; started, stopped (SIGTERM) or killed (SIGKILL)."""

    def __init__(self, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.dir = tempfile.mkdtemp(prefix="bc-worker-")
        self.log_path = Path(self.dir) / "worker.log"
        self.env = worker_env(env)
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--no-reload", *args],
            cwd=REPO,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_for_heartbeat()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def heartbeat(self) -> WorkerHeartbeat | None:
        return WorkerHeartbeat.objects.filter(pid=self.pid).first()

    def _wait_for_heartbeat(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.heartbeat() is not None:
                return
            time.sleep(0.05)
        log = self.log()
        self.stop()
        pytest.fail(f"worker did not start; its log:\n{log[-4000:]}")

    def log(self) -> str:
        """Everything the worker printed so far (or in all, once stopped)."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when a host dies or the OOM killer strikes."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Graceful stop (SIGTERM: the running job finishes), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if not self._log.closed:
            self._log.close()


@pytest.fixture
def live_worker_factory(transactional_db):
    """live_worker_factory(env={...}) -> a started LiveWorker; all are stopped at the end."""
    started: list[LiveWorker] = []

    def start(*, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> LiveWorker:
        worker = LiveWorker(env=env, args=args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
