"""Live gunicorn servers for end-to-end tests, against the pytest test database.

    @pytest.mark.e2e
    @pytest.mark.django_db(transaction=True)
    def test_something(live_app):              # one server on the suite's REDIS_URL
        requests.get(f"{live_app.url}/health")

    def test_two_hosts(live_app_factory, private_redis):
        a = live_app_factory(redis_url=private_redis.url)
        b = live_app_factory(redis_url=private_redis.url)

Data the test writes through the ORM is committed (transactional test), so the servers see
it; tokens made with `access_token_for(user)` verify because the servers share the test
process's DJANGO_SECRET_KEY. Servers are stopped at the end of the test, before the tables
are flushed.
"""

import os

import pytest

from tests.support.live import LiveApp
from tests.support.workers import live_worker_factory  # noqa: F401  (a fixture for e2e tests)


@pytest.fixture
def live_app_factory(transactional_db):
    """live_app_factory(redis_url=..., workers=2, threads=2, env={...}) → a started LiveApp.

    `redis_url=None` (the default) uses the suite's REDIS_URL; pass `private_redis.url` for a
    server the test may stop or freeze, or `env={"REDIS_URL": ""}` for no Redis at all.
    Every server started is stopped when the test ends.
    """
    started: list[LiveApp] = []

    def start(
        *, redis_url: str | None = None, workers: int = 2, threads: int = 2, env: dict | None = None
    ) -> LiveApp:
        url = redis_url if redis_url is not None else os.environ.get("REDIS_URL", "")
        app = LiveApp(redis_url=url or None, workers=workers, threads=threads, env=dict(env or {}))
        started.append(app)
        return app

    yield start
    for app in started:
        app.cleanup()


@pytest.fixture
def live_app(live_app_factory):
    """One gunicorn server (2 workers) on the suite's REDIS_URL."""
    return live_app_factory()
