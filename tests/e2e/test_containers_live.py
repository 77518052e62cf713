"""Containers: the health check is liveness (a database outage leaves it passing), and worker
recycling leaves the Prometheus multiprocess directory bounded with every count kept."""

import re
from pathlib import Path

import pytest
import requests

from boxerconnect.prometheus_files import ARCHIVED_TYPES
from tests.boxerconnect.subproc import run_manage
from tests.e2e.support import metric_value, poll
from tests.support.live import LiveApp
from tests.support.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUIET = {"GUNICORN_ACCESS_LOG": "", "GUNICORN_GRACEFUL_TIMEOUT": "3"}


def test_the_container_health_check_is_liveness_and_survives_a_database_outage():
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/gone"
    # A production host name first: the check must send a Host the app answers to.
    app = LiveApp(
        redis_url=None,
        workers=1,
        threads=1,
        env={**QUIET, "DATABASE_URL": dead_database, "DJANGO_ALLOWED_HOSTS": ".example.com,127.0.0.1"},
    )
    env = {
        "DATABASE_URL": dead_database,
        "DJANGO_ALLOWED_HOSTS": ".example.com,127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{app.port}",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "HEALTH_PROBE_TIMEOUT": "0.5",
    }
    try:
        assert app.get("/health").status_code == 503  # the database is down...
        live = run_manage("healthcheck", "--live", **env)
        full = run_manage("healthcheck", **env)
    finally:
        app.cleanup()
    gone = run_manage("healthcheck", "--live", "--timeout", "1", **env)

    assert live.returncode == 0, live.stdout + live.stderr  # ...the container stays healthy
    assert f"http://127.0.0.1:{app.port}/health/live: live" in live.stdout
    assert full.returncode != 0 and "unhealthy" in full.stderr
    assert gone.returncode != 0 and "no answer" in gone.stderr  # gunicorn gone: unhealthy


def test_recycled_workers_leave_the_metrics_directory_bounded_and_every_count_kept(redis_server):
    workers, requests_sent = 2, 60
    app = LiveApp(
        redis_url=redis_server.url,
        workers=workers,
        threads=2,  # gthread, as in production
        env={
            **QUIET,
            "GUNICORN_MAX_REQUESTS": "6",
            "GUNICORN_MAX_REQUESTS_JITTER": "0",
            "GUNICORN_LOG_LEVEL": "info",
        },
    )
    directory = Path(app.env["PROMETHEUS_MULTIPROC_DIR"])
    most_files = attempts = 0
    try:
        # The index page: nothing else requests it (start-up probes use /health/live).
        for i in range(requests_sent):
            # gunicorn drops a connection now and then when a worker it accepted it in
            # recycles (gthread and sync alike): try again, and count both ways.
            for _ in range(3):
                attempts += 1
                try:
                    assert app.get("/").status_code == 200
                    break
                except requests.ConnectionError:
                    continue
            if i % 10 == 0:
                most_files = max(most_files, len(list(directory.glob("*.db"))))
        # /metrics and /health read the files: both still answer, and no count was lost.
        if not app.running:
            pytest.fail(f"the gunicorn master died; its log:\n{app.log()[-4000:]}")
        text = app.get("/metrics").text
        health = app.get("/health")
        # Every file left belongs to a live worker (or is an archive), once the master has
        # reaped the worker that may be exiting right now.
        poll(lambda: not dead_pids(directory), timeout=10)
        dead = dead_pids(directory)
        files = sorted(p.name for p in directory.glob("*.db"))
        recycles = len(re.findall(r"Autorestarting worker", app.log()))
    finally:
        app.cleanup()

    assert recycles >= 6  # ~60 / 6 recycles happened
    assert health.status_code == 200
    # Nothing archived is lost (every answered request counted), nothing counted twice.
    assert requests_sent <= metric_value(text, "http_requests_total", view="index") <= attempts
    # Only live workers' files (a handful of types each) and one archive per summed type.
    assert dead == set(), files
    assert {f"{kind}_archive.db" for kind in ("counter", "histogram")} <= set(files)
    bound = (workers + 1) * 6 + len(ARCHIVED_TYPES)  # +1: a worker booting while one exits
    assert max(most_files, len(files)) <= bound, files


def dead_pids(directory: Path) -> set[str]:
    pids = {p.name.rsplit("_", 1)[1].removesuffix(".db") for p in directory.glob("*.db")} - {"archive"}
    return {pid for pid in pids if not Path(f"/proc/{pid}").exists()}
