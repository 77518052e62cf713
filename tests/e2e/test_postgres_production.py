"""PostgreSQL as production runs it: through PgBouncer in transaction pooling (started here on
a free loopback port in front of the test's PostgreSQL), and with psycopg's pool in each
process (DATABASE_POOL=true). The statement timeout is the role's default in the database
(boxerconnect/database.py), so it holds through PgBouncer too."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.utils import OperationalError
from django.test import override_settings

from accounts.tokens import access_token_for
from boxerconnect.database import apply_role_settings
from tests.boxers.factories import BoxerFactory
from tests.support.live import LiveApp
from tests.support.servers import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PGBOUNCER = shutil.which("pgbouncer") or next(
    (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(path, os.X_OK)), None
)
needs_pgbouncer = pytest.mark.skipif(
    PGBOUNCER is None, reason="pgbouncer is not installed (apt-get install pgbouncer; .ci/run tries)"
)
QUIET = {"DJANGO_THROTTLE_RATES": "anon=100000/min,user=100000/min", "GUNICORN_GRACEFUL_TIMEOUT": "3"}


class PgBouncer:
    """A pgbouncer in transaction pooling in front of the test's PostgreSQL, on its own port."""

    def __init__(self) -> None:
        db = connection.settings_dict
        self.user = db["USER"] or "postgres"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bc-pgbouncer-")
        os.chmod(self.dir, 0o777)  # noqa: S103  (pgbouncer drops root for `nobody`, writes its log here)
        config = Path(self.dir) / "pgbouncer.ini"
        (Path(self.dir) / "userlist.txt").write_text(f'"{self.user}" "{db["PASSWORD"] or ""}"\n')
        config.write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "pool_mode = transaction\n"
            "auth_type = trust\n"
            f"auth_file = {self.dir}/userlist.txt\n"
            "default_pool_size = 4\n"
            "max_client_conn = 200\n"
            f"logfile = {self.dir}/pgbouncer.log\n" + ("user = nobody\n" if os.geteuid() == 0 else "")
        )
        for path in Path(self.dir).iterdir():
            path.chmod(0o644)
        self.proc = subprocess.Popen(
            [PGBOUNCER, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("pgbouncer did not listen")

    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{connection.settings_dict['NAME']}"

    def log(self) -> str:
        path = Path(self.dir) / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def pgbouncer():
    bouncer = PgBouncer()
    yield bouncer
    bouncer.stop()


def journey(app: LiveApp) -> list[int]:
    """Reads and writes a user makes: a profile, an edit (a transaction with its on-commit
    cache bumps), the directory, the edit read back, health."""
    boxer = BoxerFactory(is_searchable=True)
    headers = {"Authorization": f"Bearer {access_token_for(boxer.user)}"}
    path = f"/api/v1/boxers/{boxer.pk}/"
    statuses = []
    for i in range(5):
        statuses.append(app.get(path, headers=headers).status_code)
        edited = app.request("PATCH", path, json={"bio": f"round {i}"}, headers=headers)
        statuses.append(edited.status_code)
        statuses.append(app.get("/api/v1/boxers/", headers=headers).status_code)
        read_back = app.get(path, headers=headers)
        statuses.append(read_back.status_code)
        assert read_back.json().get("bio") == f"round {i}", app.log()[-3000:]
    health = app.get("/health")
    assert health.json()["services"]["database"]["status"] == "up"
    return statuses


@needs_pgbouncer
def test_the_app_works_through_pgbouncer_in_transaction_pooling(pgbouncer):
    # DB_CONN_MAX_AGE stays at its default: the app keeps client connections to PgBouncer,
    # which hands out server connections per transaction.
    app = LiveApp(redis_url=None, workers=1, threads=2, env={**QUIET, "DATABASE_URL": pgbouncer.url()})
    try:
        statuses = journey(app)
        log = app.log()
    finally:
        app.cleanup()

    assert set(statuses) == {200}, statuses
    assert "unsupported startup parameter" not in pgbouncer.log() + log


@needs_pgbouncer
def test_the_statement_timeout_holds_through_pgbouncer(pgbouncer):
    try:
        with override_settings(DB_STATEMENT_TIMEOUT_MS=300):
            apply_role_settings()  # what migrate does, with a short limit to test it
        # PgBouncer opens its server sessions now: they start with the role's defaults.
        with psycopg.connect(pgbouncer.url().replace("postgres://", "postgresql://"), autocommit=True) as raw:
            assert raw.execute("SHOW statement_timeout").fetchone()[0] == "300ms"
            assert raw.execute("SHOW timezone").fetchone()[0] == "UTC"
        # Django's own connection settings, through PgBouncer: the limit cancels a slow query.
        through = DatabaseWrapper(
            {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": pgbouncer.port}, alias="pgbouncer"
        )
        try:
            with through.cursor() as cursor:
                cursor.execute("SELECT 1")
                with pytest.raises(OperationalError, match="statement timeout"):
                    cursor.execute("SELECT pg_sleep(2)")
        finally:
            through.close()
    finally:
        apply_role_settings()  # back to DB_STATEMENT_TIMEOUT_MS for later sessions


def test_migrate_sets_the_statement_timeout_as_the_roles_default_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = current_database() AND s.setrole = (SELECT oid FROM pg_roles"
            " WHERE rolname = current_user)"
        )
        (config,) = cursor.fetchone()

    assert "statement_timeout=15000" in config and "TimeZone=UTC" in config


def app_backends(own: set[int]) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()} - own


def test_database_pool_serves_every_request_from_a_few_kept_connections():
    before = app_backends(set())
    app = LiveApp(
        redis_url=None,
        workers=1,
        threads=2,
        env={**QUIET, "DATABASE_POOL": "true", "DATABASE_POOL_MAX_SIZE": "3"},
    )
    try:
        first = journey(app)
        kept = app_backends(before)
        second = journey(app)
        still = app_backends(before)
    finally:
        app.cleanup()

    assert set(first) == set(second) == {200}
    # At most the pool's size, and the same server sessions across requests: pooled, not
    # opened per request (without the pool, DB_CONN_MAX_AGE=0 would open one per request).
    assert 1 <= len(kept) <= 3
    assert still and still <= kept
