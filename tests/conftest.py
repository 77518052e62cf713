"""Shared fixtures: API clients that commit like a real request, cache isolation, and a
private redis-server that fault tests may stop, freeze and restart."""

import contextlib
import shutil

import pytest
from django.core.cache import caches
from django.test import override_settings

from boxerconnect.cache import stamped
from boxerconnect.cache.keys import adopted_key
from boxerconnect.settings import _redis_cache
from tests.support.clients import CommitClient, authenticate
from tests.support.counting import CommandCounter
from tests.support.servers import RedisServer


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
        client.set(adopted_key(caches["guarded"].key_prefix), client.info("server")["run_id"])
    stamped.reset_process_state()
    yield
    stamped.reset_process_state()


@pytest.fixture
def api():
    return CommitClient()


@pytest.fixture
def client_for():
    """client_for(user) → a CommitClient sending that user's access token (None: anonymous)."""

    def make(user=None):
        client = CommitClient()
        return authenticate(client, user) if user is not None else client

    return make


# --- A private redis-server for fault tests ----------------------------------------------


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


@pytest.fixture
def redis_commands(private_redis):
    """Counts the commands the test's own redis-server executes (`with redis_commands: ...`)."""
    return CommandCounter(private_redis)
