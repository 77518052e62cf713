"""Health in its three states, the liveness/readiness probes and `manage.py healthcheck`."""

import json
import os
import socket

import pytest

import boxerconnect
from boxerconnect.cache import stamped
from boxerconnect.settings import _redis_cache
from tests.accounts.factories import UserFactory
from tests.boxerconnect.subproc import run_manage, run_python
from tests.boxers.factories import BoxerFactory
from tests.support.live import database_url_for_tests
from tests.support.metrics import scrape
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_redis_answer(api):
    response = api.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["services"]["database"]["status"] == "up"
    assert body["services"]["redis"]["status"] == "up"
    assert body["version"]
    assert body["uptime"] >= 0
    assert body["timestamp"].endswith("+00:00")
    for service in body["services"].values():
        assert isinstance(service["responseTime"], int | float)


def test_health_is_never_cached(api):
    response = api.get("/health")

    assert "no-store" in response["Cache-Control"]


@pytest.mark.fault
def test_redis_down_is_degraded_but_still_200(api, private_redis):
    private_redis.stop()

    response = api.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["services"]["redis"]["status"] == "down"
    assert body["services"]["database"]["status"] == "up"


@pytest.mark.fault
@pytest.mark.timeout(20)
def test_frozen_redis_is_degraded_within_the_probe_timeout(api, redis_server, settings):
    # Given a Redis that accepts connections but never answers, and a socket timeout far
    # longer than the probe timeout: only the probe's own bound can end the request.
    slow = _redis_cache(redis_server.url, ignore_exceptions=False)
    slow["OPTIONS"]["SOCKET_TIMEOUT"] = 60
    settings.CACHES = {"default": _redis_cache(redis_server.url, ignore_exceptions=True), "guarded": slow}
    settings.HEALTH_PROBE_TIMEOUT = 0.5
    stamped.reset_process_state()
    redis_server.freeze()

    first = api.get("/health")
    second = api.get("/health")  # the first probe is still stuck: answered at once, down

    for response in (first, second):
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert response.json()["services"]["redis"]["status"] == "down"


def test_a_probe_in_flight_is_shared_not_reported_down(settings):
    """Two health checks at once: the second waits for the first one's probe (make fuzz saw a
    healthy database reported down, 503, because a probe was merely in flight)."""
    import threading

    from boxerconnect import health

    settings.HEALTH_PROBE_TIMEOUT = 5
    release = threading.Event()
    calls = []

    def slow_probe():
        calls.append(1)
        assert release.wait(5)
        return "pong"

    first = health._launch("test-probe", slow_probe)
    second = health._launch("test-probe", slow_probe)
    release.set()

    assert first()[:2] == (True, "pong")
    assert second()[:2] == (True, "pong")
    assert calls == [1]  # one thread, one probe


def test_redis_disabled_without_a_shared_cache_is_still_healthy(api, settings):
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "health-test"}
    settings.CACHES = {"default": locmem, "guarded": {**locmem, "LOCATION": "health-test-guarded"}}

    response = api.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    assert response.json()["services"]["redis"]["status"] == "disabled"


def test_live_touches_no_dependency(api, private_redis):
    private_redis.stop()

    response = api.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_the_database_answers(api, private_redis):
    private_redis.stop()

    response = api.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.parametrize("method", ["get", "head"])
def test_health_answers_head_for_load_balancers(api, method):
    response = getattr(api, method)("/health/live")

    assert response.status_code == 200


# --- Database down: a real process whose database port is closed ------------------------

_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client()
print(json.dumps({path: [r.status_code, r.json()] for path, r in
                  ((p, client.get(p)) for p in ("/health", "/health/ready", "/health/live"))}))
"""


def test_database_down_is_unhealthy_503_and_not_ready():
    database_url = f"postgres://postgres:hunter2@127.0.0.1:{free_port()}/boxerconnect"

    result = run_python(_PROBE, DATABASE_URL=database_url, DJANGO_SECURE_SSL_REDIRECT="false", REDIS_URL=None)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, body = answers["/health"]
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["services"]["database"]["status"] == "down"
    assert answers["/health/ready"][0] == 503
    assert answers["/health/live"] == [200, {"status": "ok"}]
    # No host, port or credential in what an anonymous caller sees.
    text = json.dumps(answers)
    assert "127.0.0.1" not in text
    assert "hunter2" not in text
    assert database_url.rsplit(":", 1)[1].split("/")[0] not in text


# --- manage.py healthcheck (container health checks) -------------------------------------


def test_healthcheck_command_exits_zero_when_healthy():
    result = run_manage(
        "healthcheck", DATABASE_URL=database_url_for_tests(), REDIS_URL=os.environ["REDIS_URL"]
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1])["status"] == "healthy"
    assert "service is healthy" in result.stdout


def test_healthcheck_command_exits_nonzero_when_the_database_is_down():
    result = run_manage(
        "healthcheck",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/boxerconnect",
        REDIS_URL=None,
    )

    assert result.returncode == 1
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1])["status"] == "unhealthy"
    assert "service is unhealthy" in result.stderr


def test_healthcheck_command_tolerates_redis_down_unless_strict():
    env = {
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }

    lenient = run_manage("healthcheck", **env)
    strict = run_manage("healthcheck", "--strict", **env)

    assert lenient.returncode == 0, lenient.stderr
    assert "service is degraded" in lenient.stdout
    assert strict.returncode == 1
    assert "service is degraded" in strict.stderr


@pytest.mark.fault
@pytest.mark.timeout(30)
def test_hanging_database_and_frozen_redis_still_get_an_answer(redis_server):
    # Given a "database" that accepts TCP connections but never speaks, a frozen Redis, and
    # driver timeouts far beyond the probe timeout: only the probes' own bound ends /health.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    redis_server.freeze()
    try:
        result = run_python(
            _PROBE,
            timeout=25,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{silent.getsockname()[1]}/boxerconnect",
            DB_CONNECT_TIMEOUT="60",
            REDIS_URL=redis_server.url,
            REDIS_CONNECT_TIMEOUT="60",
            REDIS_SOCKET_TIMEOUT="60",
            HEALTH_PROBE_TIMEOUT="0.5",
            DJANGO_SECURE_SSL_REDIRECT="false",
        )
    finally:
        silent.close()

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, body = answers["/health"]
    assert (status, body["status"]) == (503, "unhealthy")
    assert body["services"]["database"]["status"] == "down"
    assert body["services"]["redis"]["status"] == "down"
    assert answers["/health/live"] == [200, {"status": "ok"}]


def test_health_shows_the_cache_counters_that_metrics_exports(api, client_for):
    boxer = BoxerFactory()
    client = client_for(UserFactory())
    for _ in range(3):  # a miss, then hits: facts and the profile read model
        assert client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200
    metrics_text = scrape()

    redis = api.get("/health").json()["services"]["redis"]

    permission, profile = redis["permissionCache"], redis["readModels"]["profile"]
    assert permission["hit"] > 0 and permission["miss"] > 0
    assert 0 < permission["hitRate"] < 1
    assert profile["miss"] >= 1 and profile["hit"] >= 2
    assert set(redis["readModels"]) == {
        *("profile", "directory", "club", "clubs", "regions", "account"),
        *("sparring", "availability", "notifications"),
    }
    for event in ("hit", "miss", "bypass"):  # the same figures as /metrics, read a moment before
        assert f'permission_cache_events_total{{event="{event}"}} {float(permission[event])}' in metrics_text


def test_health_answers_without_the_counters_when_they_cannot_be_read(api, monkeypatch):
    def unreadable():
        raise FileNotFoundError("metrics directory removed")

    monkeypatch.setattr("boxerconnect.metrics.live_cache_counters", unreadable)

    response = api.get("/health")

    assert response.status_code == 200
    assert response.json()["services"]["redis"]["status"] == "up"
    assert "permissionCache" not in response.json()["services"]["redis"]


def test_the_root_url_says_where_things_are(api):
    response = api.get("/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "BoxerConnect API",
        "version": boxerconnect.__version__,
        "api": "/api/v1/",
        "docs": "/api/docs/",
        "schema": "/api/schema/",
        "health": "/health",
    }
    for path in ("/api/docs/", "/api/schema/", "/health"):
        assert api.get(path).status_code == 200
