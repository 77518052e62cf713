"""Shared plumbing of the benchmarks, `make fuzz` and `make load`: a private redis-server,
a fresh database, a gunicorn server, Django.

Nothing here touches the shared Redis or another database: each run starts its own
redis-server on a free port and (re)creates the database it names.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PGPORT", "5432"))
PG_USER = os.environ.get("PGUSER", "postgres")
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "bench_boxerconnect")
REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-key-not-for-production-use-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server (no persistence) for one benchmark run."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("bench redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def database_url(port: int = PG_PORT, host: str = PG_HOST) -> str:
    # sslmode/gssencmode off: the latency proxy must see (and count) the plain protocol.
    return f"postgres://{PG_USER}@{host}:{port}/{BENCH_DB}?sslmode=disable&gssencmode=disable"


def fresh_database(name: str) -> str:
    """Drop and create database `name`; return its URL."""
    params = {"host": PG_HOST, "port": PG_PORT, "user": PG_USER, "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def recreate_database() -> None:
    fresh_database(BENCH_DB)


def migrate_and_seed(env: dict[str, str], seed_script: str) -> dict:
    """Migrate the database named in `env`, run `seed_script`, return the JSON it prints."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True
    )
    seeded = subprocess.run(
        [sys.executable, seed_script], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(seeded.stdout)


def start_gunicorn(wsgi: str, env: dict[str, str], log) -> subprocess.Popen:
    """gunicorn with the repository's gunicorn.conf.py (bind, workers... from `env`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", wsgi],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    """Wait until `url` answers 200; fail early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited early (status {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset, timed out, or an HTTP error status
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer on {url}")


def base_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_READ_ENV_FILE": "false",  # measure this configuration, not a developer's .env
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The load generator is one user: per-user throttling would measure the limiter.
        "DJANGO_THROTTLE_RATES": "anon=off,user=off",
    }
    env.pop("CACHE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def setup_django(redis_url: str | None, settings_module: str = "bench.settings") -> None:
    """Point Django at the bench database and `redis_url`, then django.setup()."""
    os.environ.update(base_env(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE=settings_module))
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)
