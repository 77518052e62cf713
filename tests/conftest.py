"""Shared fixtures: API clients that commit like a real request, cache isolation, and a
private redis-server that fault tests may stop, freeze and restart."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis
from django.core.cache import caches
from django.test import TestCase, override_settings
from rest_framework.test import APIClient

from accounts.tokens import access_token_for
from boxerconnect.cache import stamped
from boxerconnect.cache.keys import ADOPTED_KEY
from boxerconnect.settings import _redis_cache


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Argon2 is for production; tests hash with MD5 to stay fast."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Every test starts with empty caches and a closed breaker."""
    for alias in ("default", "guarded"):
        # A fault test may have left its own server down: nothing to clear then.
        with contextlib.suppress(Exception):
            caches[alias].clear()
    # The flush is isolation, not a new server: keep the server adopted, or the test's first
    # new connection would vet it again and rotate the nonce under the first request.
    with contextlib.suppress(Exception):
        client = caches["guarded"].client.get_client(write=True)
        client.set(ADOPTED_KEY, client.info("server")["run_id"])
    stamped.reset_process_state()
    yield
    stamped.reset_process_state()


class CommitClient(APIClient):
    """APIClient whose requests run their on_commit callbacks before returning.

    Tests run inside a transaction that never commits; this makes a request's commit hooks
    (permission-cache generation bumps) run as they would when a real request commits.
    """

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


@pytest.fixture
def api():
    return CommitClient()


def authenticate(client: APIClient, user) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


@pytest.fixture
def client_for():
    """client_for(user) → a CommitClient sending that user's access token (None: anonymous)."""

    def make(user=None):
        client = CommitClient()
        return authenticate(client, user) if user is not None else client

    return make


# --- A private redis-server for fault tests ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server process owned by one test: start, stop, freeze (SIGSTOP), thaw."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bc-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1)

    def commands_processed(self) -> int:
        """Commands the server has executed so far (INFO stats), to count round trips."""
        return int(self.client().info("stats")["total_commands_processed"])


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture
def private_redis(redis_server, settings):
    """Point both cache aliases at this test's own redis-server."""
    settings.CACHES = {
        "default": _redis_cache(redis_server.url, ignore_exceptions=True),
        "guarded": _redis_cache(redis_server.url, ignore_exceptions=False),
    }
    stamped.reset_process_state()
    yield redis_server
    stamped.reset_process_state()
