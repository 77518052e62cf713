"""Least privilege (issue 14, item 2): the app, its job worker and its management commands run
as the Redis ACL user docs/operations.md defines, on a server whose `default` user is off.

The whole journey suite of test_journeys.py runs again here against such a server, each
test with a job worker of its own (stopped before the tables are flushed, so the module
passes in any order); after each test the server's ACL LOG (every command or key it
refused) is empty, and so are the app's and the worker's logs of refused commands, failed
cache calls and 5xx answers.
"""

import json
from io import StringIO

import pytest
import redis
from django.core.management import call_command

from boxerconnect.cache import acl
from boxerconnect.cache.keys import adopted_key
from tests.e2e.test_journeys import (  # noqa: F401  (the journeys run again, with this module's `app`)
    MAIL_ENV,
    mail_dir,
    test_club_membership_journey_from_request_to_member_listing,
    test_coach_link_journey_ends_with_a_403_on_the_very_next_request_after_revocation,
    test_logout_all_kills_the_access_and_refresh_tokens_of_every_session,
    test_password_reset_through_the_mail_ends_every_session,
    test_sparring_journey_across_two_clubs_with_notifications_and_mails,
)
from tests.support.live import LiveApp
from tests.support.restricted_redis import (
    PREFIX,
    acl_log,
    acl_server,
    create_app_user,
    documented_acl_line,
    health_body,
    log_problems,
    manage,
)
from tests.support.workers import LiveWorker

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def restricted():
    """A redis-server set up by the documented ACL lines: the app's user, `default` off."""
    server = acl_server()
    try:
        server.app_url = create_app_user(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, mail_dir, restricted):  # noqa: F811
    """The journeys' server, connecting as the ACL user."""
    with django_db_blocker.unblock():
        server = LiveApp(
            redis_url=restricted.app_url,
            workers=2,
            threads=2,
            env={
                **MAIL_ENV,
                "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
                "CACHE_KEY_PREFIX": PREFIX,
                "DJANGO_THROTTLE_RATES": "register=100/hour",
                "GUNICORN_GRACEFUL_TIMEOUT": "3",
            },
        )
    yield server
    server.cleanup()


@pytest.fixture
def app(server, mail_dir, restricted, transactional_db):  # noqa: F811
    """The server, and a job worker of this test's own connecting as the ACL user.

    The worker stops (SIGTERM: its running job finishes) before the test's tables are
    flushed, so no flush deletes a job under it and no test sees what an earlier one left
    running. Then neither log may show a refused command, a failed cache call or a 5xx,
    nor the worker's a traceback while the test ran.
    """
    worker = LiveWorker(
        env={
            **MAIL_ENV,
            "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
            "CACHE_KEY_PREFIX": PREFIX,
            "REDIS_URL": restricted.app_url,
        }
    )
    server.worker = worker
    yield server
    during_test = worker.log()
    worker.stop()
    assert log_problems(server.log()) == [], server.log()[-6000:]
    assert log_problems(during_test) == [], during_test[-6000:]
    # A stop can interrupt a poll mid-query (the library exits from its signal handler); a
    # traceback then is the machine's load, not Redis: only Redis trouble counts after it.
    assert log_problems(worker.log(), tracebacks=False) == [], worker.log()[-6000:]


@pytest.fixture(autouse=True)
def _nothing_refused(restricted):
    """After each test (and after its worker stopped): the server refused nothing."""
    restricted.client().acl_log_reset()
    yield
    assert acl_log(restricted) == []


def test_the_documented_acl_line_is_the_one_the_code_derives():
    assert documented_acl_line() == acl.setuser_line(prefix=PREFIX)


def test_redis_acl_command_prints_the_line_for_the_configured_prefix(settings):
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": "staging"} for alias, config in settings.CACHES.items()
    }
    out = StringIO()
    call_command("redis_acl", stdout=out)

    assert out.getvalue().strip() == acl.setuser_line(prefix="staging")
    assert " ~staging:* " in out.getvalue() and " ~bc:* " not in out.getvalue()


def test_the_user_is_confined_to_its_commands_and_keys_and_default_is_off(restricted):
    app_user = redis.Redis.from_url(restricted.app_url, socket_timeout=1)
    anonymous = redis.Connection(port=restricted.port, socket_timeout=1)  # (a client would retry)
    anonymous.send_command("PING")

    with pytest.raises(redis.AuthenticationError):
        anonymous.read_response()  # `default` is off: nothing without a user
    anonymous.disconnect()
    for command in (("FLUSHALL",), ("KEYS", "*"), ("CONFIG", "GET", "maxmemory"), ("EVAL", "return 1", "0")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            app_user.execute_command(*command)
    with pytest.raises(redis.exceptions.NoPermissionError):
        app_user.get("other-deployment:1:perm:nonce")  # keys outside the prefix
    assert app_user.set(f"{PREFIX}:1:probe", "1") and app_user.get(f"{PREFIX}:1:probe") == b"1"
    app_user.get(adopted_key(PREFIX))  # allowed: server vetting reads it

    # Every refusal above is in the ACL LOG: the check after each test is a real one.
    refused = sorted(entry.split()[1] for entry in acl_log(restricted))
    assert refused == ["config|get", "eval", "flushall", "keys", "other-deployment:1:perm:nonce"]
    restricted.client().acl_log_reset()


def test_management_commands_work_as_the_acl_user(app, restricted):
    app.get("/api/v1/boxers/")  # the server has been vetted and the namespace exists

    (rotated, stats, health), log = manage(
        restricted.app_url,
        ("permissions_cache", "rotate"),
        ("permissions_cache", "stats", "--json"),
        ("healthcheck", "--strict"),
    )

    assert log_problems(log) == []
    assert rotated.code == 0 and "rotated" in rotated.stdout, rotated.error
    assert (stats.code, health.code) == (0, 0), health.error
    redis = json.loads(stats.stdout)["redis"]
    assert redis["keys"]["nonce"] == 1 and redis["unavailable"] == {}
    assert redis["server"]["keyspace_hits"] > 0
    body = health_body(health)
    assert body["status"] == "healthy" and body["services"]["redis"]["status"] == "up"
    assert (
        restricted.client().get(adopted_key(PREFIX)).decode() == restricted.client().info("server")["run_id"]
    )
