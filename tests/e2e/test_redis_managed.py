"""Managed-service restrictions (issue 14, item 3), on two real servers:

- `renamed`: CONFIG, KEYS, FLUSHALL, FLUSHDB, DEBUG, MONITOR, SCAN and CLIENT renamed away
  (`rename-command X ""`, as managed services do), behind `requirepass`;
- `no_info`: the documented ACL user without INFO (`-info`), `default` off.

On each, the permission journeys run on a live gunicorn with 0 5xx and nothing refused in its
log, `permissions_cache stats|rotate` and `healthcheck` work (stats without the figure the
server refuses), and the server is vetted: by its run id, or by the identity key without INFO.
"""

import json

import pytest
from django.core.cache import caches

from boxerconnect.cache import acl, stamped
from boxerconnect.cache.events import connection_class
from boxerconnect.cache.keys import NONCE_KEY, adopted_key, server_id_key
from boxerconnect.settings import _redis_cache
from tests.e2e.test_journeys import (  # noqa: F401  (the journeys run again, with this module's `app`)
    test_club_membership_journey_from_request_to_member_listing,
    test_coach_link_journey_ends_with_a_403_on_the_very_next_request_after_revocation,
    test_logout_all_kills_the_access_and_refresh_tokens_of_every_session,
)
from tests.support.live import LiveApp
from tests.support.restricted_redis import (
    APP_PASSWORD,
    MANAGED_DENIED,
    PREFIX,
    acl_log,
    acl_server,
    create_app_user,
    health_body,
    log_problems,
    manage,
)
from tests.support.servers import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def renamed_server() -> RedisServer:
    renames = [arg for command in MANAGED_DENIED for arg in ("--rename-command", command, "")]
    server = RedisServer(*renames, "--requirepass", APP_PASSWORD, password=APP_PASSWORD)
    server.start()
    server.app_url = f"redis://:{APP_PASSWORD}@127.0.0.1:{server.port}/0"
    return server


def no_info_server() -> RedisServer:
    server = acl_server()
    try:
        server.app_url = create_app_user(server, "-info")
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module", params=["renamed", "no_info"])
def restricted(request):
    server = renamed_server() if request.param == "renamed" else no_info_server()
    server.kind = request.param
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(django_db_setup, django_db_blocker, restricted):
    with django_db_blocker.unblock():
        server = LiveApp(
            redis_url=restricted.app_url,
            workers=2,
            threads=2,
            env={"CACHE_KEY_PREFIX": PREFIX, "GUNICORN_GRACEFUL_TIMEOUT": "3"},
        )
    yield server
    server.cleanup()


def refused(server: RedisServer) -> list[str]:
    """ACL LOG entries but INFO's: without +info each process is refused INFO once (then it
    does not ask again), which is how it learns to vet by the identity key."""
    return [entry for entry in acl_log(server) if not entry.startswith("command info ")]


@pytest.fixture(autouse=True)
def _nothing_refused(request):
    if "restricted" not in request.fixturenames:
        yield
        return
    restricted = request.getfixturevalue("restricted")
    restricted.client().acl_log_reset()
    yield
    assert refused(restricted) == []
    if "app" in request.fixturenames:
        assert log_problems(request.getfixturevalue("app").log()) == []


def test_management_commands_work_and_report_what_the_server_allows(app, restricted):
    app.get("/api/v1/boxers/")

    (rotated, stats, text, health), log = manage(
        restricted.app_url,
        ("permissions_cache", "rotate"),
        ("permissions_cache", "stats", "--json"),
        ("permissions_cache", "stats"),
        ("healthcheck", "--strict"),
    )

    assert log_problems(log) == []
    assert rotated.code == 0 and "rotated" in rotated.stdout, rotated.error
    assert (stats.code, text.code, health.code) == (0, 0, 0), health.error
    body = health_body(health)
    assert body["status"] == "healthy" and body["services"]["redis"]["status"] == "up"
    redis = json.loads(stats.stdout)["redis"]
    if restricted.kind == "renamed":  # no SCAN: no key counts, every server figure
        assert redis["keys"] is None and redis["unavailable"]["keys"].startswith("SCAN refused")
        assert redis["server"]["keyspace_hits"] > 0 and redis["server"]["evicted_keys"] == 0
        assert "keys: not available (SCAN refused" in text.stdout and "server: keyspace hits" in text.stdout
    else:  # no INFO: key counts, no server figures
        assert redis["keys"]["nonce"] == 1 and redis["keys"]["facts"] >= 0
        assert redis["server"] is None and redis["unavailable"]["server"].startswith("INFO refused")
        assert "server: not available (INFO refused" in text.stdout and "keys: " in text.stdout


def test_the_live_app_vetted_the_server_by_what_it_allows(app, restricted):
    assert app.get("/api/v1/boxers/").status_code == 200
    admin = restricted.client()

    adopted = admin.get(adopted_key(PREFIX)).decode()

    if restricted.kind == "renamed":
        assert adopted == admin.info("server")["run_id"]
        assert admin.get(server_id_key(PREFIX)) is None
    else:
        assert adopted.startswith("key:") and adopted == admin.get(server_id_key(PREFIX)).decode()


@pytest.fixture
def no_info_cache(settings):
    """This process's caches on a fresh server where the app's user has no INFO."""
    server = no_info_server()
    settings.CACHES = {
        "default": _redis_cache(server.app_url, ignore_exceptions=True),
        "guarded": _redis_cache(server.app_url, ignore_exceptions=False),
    }
    stamped.reset_process_state()
    yield server
    stamped.reset_process_state()
    server.stop()


def test_the_identity_key_vets_a_server_that_lost_it(no_info_cache):
    server, admin = no_info_cache, no_info_cache.client()
    nonce_key = caches["guarded"].make_key(NONCE_KEY)

    def connect() -> None:
        """A new connection, as a pool opens one (fresh: no reconnect notice)."""
        connection = connection_class("redis", PREFIX)(
            host="127.0.0.1", port=server.port, username=acl.USERNAME, password=APP_PASSWORD, socket_timeout=1
        )
        connection.connect()
        connection.disconnect()

    connect()  # first contact: vetted, by an identity it creates
    identity, adopted, first_nonce = (
        admin.get(server_id_key(PREFIX)),
        admin.get(adopted_key(PREFIX)),
        admin.get(nonce_key),
    )
    connect()  # the same server: not vetted again
    kept = admin.get(server_id_key(PREFIX)), admin.get(nonce_key)
    admin.delete(server_id_key(PREFIX))  # what an emptied, replaced (or evicted) server looks like
    connect()

    assert identity.startswith(b"key:") and adopted == identity
    assert first_nonce is not None
    assert kept == (identity, first_nonce)
    assert admin.get(server_id_key(PREFIX)) not in (None, identity)
    assert admin.get(adopted_key(PREFIX)) == admin.get(server_id_key(PREFIX))
    assert admin.get(nonce_key) != first_nonce  # the namespace rotated before it served anything
    assert [e.split()[1] for e in acl_log(server)] == ["info"]  # asked once, then not again
