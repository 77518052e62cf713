"""Two deployments (say staging and production) on one Redis, told apart by CACHE_KEY_PREFIX
only: every key either writes starts with its own prefix (the nonce, the adopted server key,
facts, generations, read models, throttle counters), and `permissions_cache rotate` in one
leaves the other's cache warm. Deployment A is this process; deployment B runs as
management commands in their own processes, as it would on another host."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache import stamped
from boxerconnect.settings import _redis_cache
from permissions.actions import Action
from permissions.checker import Authorizer
from tests.boxerconnect.subproc import run_python
from tests.boxers.factories import CoachLinkFactory
from tests.support.counting import CommandCounter
from tests.support.live import database_url_for_tests

pytestmark = [pytest.mark.django_db(transaction=True)]

A, B = "bc-production", "bc-staging"


@pytest.fixture
def deployment_a(redis_server, settings):
    """This process is deployment A on the shared server."""
    settings.CACHES = {
        "default": _redis_cache(redis_server.url, ignore_exceptions=True, key_prefix=A),
        "guarded": _redis_cache(redis_server.url, ignore_exceptions=False, key_prefix=A),
    }
    stamped.reset_process_state()
    yield redis_server
    stamped.reset_process_state()


def deployment_b(redis_server, *commands: list[str]) -> None:
    """Management commands of deployment B, in one process of its own (its own prefix)."""
    code = "import django; django.setup(); from django.core.management import call_command\n" + "".join(
        f"call_command(*{command!r})\n" for command in commands
    )
    result = run_python(
        code, DATABASE_URL=database_url_for_tests(), REDIS_URL=redis_server.url, CACHE_KEY_PREFIX=B
    )
    assert result.returncode == 0, result.stderr


def warm_check(link, server) -> tuple[int, int]:
    """One decision: (SQL queries, Redis commands) it cost."""
    with CaptureQueriesContext(connection) as queries, CommandCounter(server) as commands:
        assert Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk).allowed
    return len(queries), commands.count


def test_rotating_one_deployment_leaves_the_other_warm_and_neither_sees_the_others_keys(
    deployment_a, client_for
):
    server = deployment_a
    link = CoachLinkFactory(rights=["edit_profile"])
    # A: facts, read models and throttle counters, through requests and a decision.
    coach = client_for(link.coach)
    assert coach.get(f"/api/v1/boxers/{link.boxer.pk}/").status_code == 200
    assert client_for().get(f"/api/v1/boxers/{link.boxer.pk}/").status_code == 200
    assert Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk).allowed
    assert warm_check(link, server) == (0, 1)  # warm: one MGET, no SQL
    redis = server.client()
    a_nonce = redis.get(f"{A}:1:{cache_keys.NONCE_KEY}")

    # B: the same decision in its own namespace (its facts are stored), then `rotate`.
    explain = ["permissions_cache", "explain", link.coach.email, "boxer.update", str(link.boxer.pk)]
    deployment_b(server, explain, ["permissions_cache", "rotate"])

    # B's rotation took: its facts are stamped with a nonce that is no longer B's.
    b_nonce = json.loads(redis.get(f"{B}:1:{cache_keys.NONCE_KEY}"))
    b_fact = next(redis.scan_iter(match=f"{B}:1:perm:f:*"))
    assert json.loads(redis.get(b_fact))["s"][0] != b_nonce
    assert redis.get(f"{A}:1:{cache_keys.NONCE_KEY}") == a_nonce
    assert warm_check(link, server) == (0, 1)  # A is still warm after B's rotation

    keys = [key.decode() for key in redis.scan_iter(count=1000)]
    assert keys, "nothing was cached"
    assert [key for key in keys if not key.startswith((f"{A}:", f"{B}:"))] == []
    a_keys = {key.removeprefix(f"{A}:") for key in keys if key.startswith(f"{A}:")}
    b_keys = {key.removeprefix(f"{B}:") for key in keys if key.startswith(f"{B}:")}
    # Each deployment vetted the server for itself, and A's requests left every kind of key.
    assert cache_keys.ADOPTED_KEY in a_keys and cache_keys.ADOPTED_KEY in b_keys
    for family in ("1:perm:nonce", "1:perm:f:", "1:perm:g:", "1:read:f:profile", "1:throttle_"):
        assert any(key.startswith(family) for key in a_keys), family
    assert any(key.startswith("1:perm:f:") for key in b_keys)

    # The control: A's own rotation does make A read PostgreSQL again.
    stamped.rotate()
    queries, _ = warm_check(link, server)
    assert queries > 0
