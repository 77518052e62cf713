"""Deployment artefacts: `check --deploy`, migrations, the compose file, the Dockerfile, the
container entry point (run here, outside Docker) and `.env.example`."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.boxerconnect.subproc import PRODUCTION_SECRET, REPO, clean_env, run_manage, run_python
from tests.support.servers import free_port

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": PRODUCTION_SECRET,
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "postgres://bc:secret@db.internal:5432/boxerconnect",
    "REDIS_URL": "rediss://default:secret@cache.internal:6380/0",
    "EMAIL_HOST": "smtp.example.com",
}


# --- manage.py check --deploy -------------------------------------------------------------


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("cache_url", ["dbcache://bc_cache", "dummycache://"])
def test_check_deploy_accepts_the_remove_redis_options(cache_url):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION_ENV, "REDIS_URL": None},
        CACHE_URL=cache_url,
    )

    assert result.returncode == 0, result.stderr


def test_check_deploy_warns_about_a_per_process_cache():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION_ENV, "REDIS_URL": None}
    )

    assert result.returncode != 0
    assert "boxerconnect.W001" in result.stderr
    assert "The 'default' cache is per-process" in result.stderr
    assert "Set REDIS_URL" in result.stderr


def test_per_process_cache_is_fine_in_debug_mode():
    result = run_manage("check", "--tag", "caches", "--deploy", DJANGO_DEBUG="true", REDIS_URL=None)

    assert "boxerconnect.W001" not in result.stderr + result.stdout


def test_check_deploy_flags_debug_left_on():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION_ENV, "DJANGO_DEBUG": "true"}
    )

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_env_example_is_a_valid_production_configuration():
    values = dict(
        line.split("=", 1)
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    values["DJANGO_SECRET_KEY"] = PRODUCTION_SECRET

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **values)

    assert result.returncode == 0, result.stderr


def test_no_model_change_lacks_a_migration(tmp_path):
    result = run_manage(
        "makemigrations", "--check", "--dry-run", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


# --- .env.example covers every variable ---------------------------------------------------

_READS = re.compile(
    r'(?:env\.(?:str|list|db_url|bool|int)|_bool|_int|_float|_env_int)\(\s*"([A-Z][A-Z0-9_]+)"'
)
_ENVIRON = re.compile(r"""os\.environ(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]+)["']""")
_SHELL = re.compile(r"\$\{([A-Z][A-Z0-9_]+)")


def variables_read() -> set[str]:
    names = set(_READS.findall((REPO / "boxerconnect/settings.py").read_text()))
    gunicorn = (REPO / "gunicorn.conf.py").read_text()
    names |= set(_READS.findall(gunicorn)) | set(_ENVIRON.findall(gunicorn))
    names |= set(_SHELL.findall((REPO / "docker-entrypoint.sh").read_text()))
    return names - {"BOXERCONNECT_OWN_PROMETHEUS_DIR", "PYTHON"}


def documented_variables() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))


def test_env_example_lists_every_variable_the_app_reads():
    read = variables_read()

    assert len(read) > 40  # the scan itself works
    assert read - documented_variables() == set()


def test_operations_guide_explains_every_variable():
    guide = (REPO / "docs/operations.md").read_text()

    assert {name for name in variables_read() if f"`{name}`" not in guide} == set()


# --- docker-compose.yml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_production_profile_has_app_worker_postgres_and_redis(compose):
    production = {name for name, s in compose["services"].items() if "production" in s.get("profiles", [])}

    assert production == {"app", "worker", "postgres", "cache"}


def test_compose_app_runs_gunicorn_after_its_dependencies_are_healthy(compose):
    app = compose["services"]["app"]

    assert app["build"] == "."
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "cache": {"condition": "service_healthy"},
    }
    # Liveness, not /health: a database outage must not mark every app container unhealthy.
    assert app["healthcheck"]["test"] == ["CMD", "python", "manage.py", "healthcheck", "--live"]
    assert app["read_only"] is True and app["tmpfs"] == ["/tmp"]
    env = app["environment"]
    assert env["DJANGO_DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://boxerconnect:${POSTGRES_PASSWORD")
    assert env["DATABASE_URL"].endswith("@postgres:5432/boxerconnect")
    assert env["REDIS_URL"] == "redis://:${REDIS_PASSWORD:-}@cache:6379/0"
    assert set(env) - documented_variables() == set()


def test_compose_worker_runs_every_queue_from_the_app_image_with_its_own_health_check(compose):
    app, worker = compose["services"]["app"], compose["services"]["worker"]

    assert worker["image"] == app["image"] and worker["build"] == app["build"] == "."
    assert worker["command"] == ["python", "manage.py", "worker"]
    assert worker["depends_on"] == {"app": {"condition": "service_healthy"}}  # after migrations
    assert worker["healthcheck"]["test"] == ["CMD", "python", "manage.py", "worker", "--check"]
    assert worker["restart"] == "unless-stopped"
    assert worker["read_only"] is True and worker["tmpfs"] == ["/tmp"]
    assert "ports" not in worker
    # The same configuration as the app (database, Redis, SMTP, jobs), but it never migrates.
    assert {k: v for k, v in worker["environment"].items() if k != "DJANGO_MIGRATE"} == {
        k: v for k, v in app["environment"].items() if k != "DJANGO_MIGRATE"
    }
    assert worker["environment"]["DJANGO_MIGRATE"] == "false"
    assert worker["environment"]["EMAIL_TIMEOUT"] == "${EMAIL_TIMEOUT:-10}"
    # SIGTERM lets the running job finish before the container is killed.
    assert worker["stop_grace_period"] == "30s"


def test_compose_redis_has_a_password_a_memory_cap_lru_eviction_and_no_persistence(compose):
    cache = compose["services"]["cache"]
    command = command_text(cache)

    assert '--requirepass "$$REDIS_PASSWORD"' in command
    assert 'test -n "$$REDIS_PASSWORD"' in command  # no password: refuses to start
    assert "--maxmemory " in command
    assert "--maxmemory-policy allkeys-lru" in command
    assert "--save ''" in command
    assert "--appendonly no" in command
    assert "volumes" not in cache
    assert "ports" not in cache


def test_compose_production_publishes_only_the_app(compose):
    services = compose["services"]

    assert "ports" not in services["postgres"]
    assert "ports" not in services["cache"]
    assert "ports" not in services["worker"]
    assert services["app"]["ports"] == ["${APP_BIND:-127.0.0.1}:${APP_PORT:-8000}:8000"]


_INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """docker compose's ${NAME} / ${NAME:-default} substitution (all this file uses)."""
    return _INTERPOLATION.sub(lambda m: env.get(m[1]) or (m[2] or ""), value)


def compose_app_env(compose: dict, **env: str) -> dict[str, str]:
    """The app container's environment as compose hands it over, given the operator's `.env`."""
    return {
        name: interpolate(str(value), env)
        for name, value in compose["services"]["app"]["environment"].items()
    }


def test_attack_the_compose_app_port_is_not_published_on_every_interface(compose):
    # Published on every interface while trusting one proxy hop, any client could reach
    # gunicorn directly and pick its address with X-Forwarded-For on every try.
    (port,) = compose["services"]["app"]["ports"]

    assert interpolate(port, {}) == "127.0.0.1:8000:8000"
    assert int(compose_app_env(compose)["DJANGO_NUM_PROXIES"]) == 1  # the proxy on this host


def test_the_compose_app_requires_the_mail_settings(compose):
    operator = {"DJANGO_SECRET_KEY": PRODUCTION_SECRET, "POSTGRES_PASSWORD": "pw", "REDIS_PASSWORD": "pw"}
    code = "import boxerconnect.wsgi; print('serving')"

    without_mail = run_python(code, **compose_app_env(compose, **operator))
    with_mail = run_python(code, **compose_app_env(compose, **operator, EMAIL_HOST="smtp.example.com"))

    assert "EMAIL_BACKEND" not in " ".join(compose["services"]["app"]["environment"])  # no way around it
    assert without_mail.returncode != 0
    assert "boxerconnect.E002" in without_mail.stderr
    assert with_mail.returncode == 0, with_mail.stderr


def test_compose_every_service_has_a_health_check(compose):
    missing = [name for name, service in compose["services"].items() if "healthcheck" not in service]

    assert missing == []


def test_compose_development_pair_listens_on_loopback_only(compose):
    db, redis = compose["services"]["db"], compose["services"]["redis"]

    assert db["profiles"] == redis["profiles"] == ["dev"]
    assert db["ports"] == ["127.0.0.1:${PGPORT:-5432}:5432"]
    assert redis["ports"] == ["127.0.0.1:${REDIS_PORT:-6379}:6379"]
    assert "allkeys-lru" in command_text(redis)
    assert "--save ''" in command_text(redis)


def compose_tools() -> list[list[str]]:
    tools = []
    if shutil.which("docker-compose"):
        tools.append(["docker-compose"])
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            tools.append(["docker", "compose"])
    return tools


@pytest.mark.parametrize("profile", [[], ["--profile", "production"], ["--profile", "dev"]])
def test_compose_file_is_valid_for_docker_compose(profile):
    tools = compose_tools()
    if not tools:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")

    for tool in tools:
        result = subprocess.run(
            [*tool, "-f", str(REPO / "docker-compose.yml"), *profile, "config", "-q"],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**clean_env(), "COMPOSE_PROJECT_NAME": "boxerconnect"},
            timeout=60,
        )

        assert result.returncode == 0, f"{tool}: {result.stderr}"


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_builds_a_slim_non_root_image_with_collected_static_files():
    lines = [
        line.strip()
        for line in (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    instructions = [line.split()[0] for line in lines]

    assert re.fullmatch(r"FROM python:3\.\d+-slim", lines[0])
    assert any("pip install -r requirements.txt" in line for line in lines)
    assert any("manage.py collectstatic --noinput" in line for line in lines)
    user = lines[instructions.index("USER")]
    assert user != "USER root" and instructions.index("USER") > instructions.index("RUN")
    assert lines[-2] == 'ENTRYPOINT ["./docker-entrypoint.sh"]'
    assert lines[-1] == 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "boxerconnect.wsgi:application"]'
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in (REPO / "boxerconnect/settings.py").read_text()


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((REPO / ".dockerignore").read_text().split())

    assert {".env", ".git", ".venv", "db.sqlite3"} <= ignored


_SERVE_STATIC = """
import django, re
django.setup()
from django.test import Client
client = Client()
page = client.get("/api/docs/", secure=True)
assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.content.decode())
print(page.status_code)
for asset in assets:
    print(asset, client.get(asset, secure=True).status_code)
"""


def test_collected_static_files_serve_swagger_ui_locally_with_hashed_names(tmp_path):
    # As the Dockerfile does: collectstatic with production settings, then serve.
    env = {"DJANGO_STATIC_ROOT": str(tmp_path / "static"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    collected = run_manage("collectstatic", "--noinput", timeout=300, **env)
    assert collected.returncode == 0, collected.stderr

    result = subprocess.run(
        [sys.executable, "-c", _SERVE_STATIC],
        cwd=REPO,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    status, *assets = result.stdout.split("\n")
    assets = [line.split() for line in assets if line]
    assert status == "200"
    assert any("swagger-ui-bundle" in path for path, _ in assets)
    assert all(code == "200" for _, code in assets), assets
    # Manifest storage: file names carry a content hash (cacheable forever by whitenoise).
    assert all(re.search(r"\.[0-9a-f]{12}\.", path) for path, _ in assets if not path.endswith("/"))


# --- docker-entrypoint.sh, outside Docker -------------------------------------------------


def run_entrypoint(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO / "docker-entrypoint.sh"), *args],
        env=entrypoint_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def entrypoint_env(**env: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    base = clean_env(PYTHON=sys.executable, DB_WAIT_TIMEOUT="5")
    base["PATH"] = f"{bin_dir}:{base.get('PATH', '/usr/bin:/bin')}"
    return {**base, **env}


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_entrypoint_migrates_when_asked_then_execs_the_command(tmp_path):
    db = tmp_path / "app.db"

    result = run_entrypoint(
        sys.executable,
        "-c",
        "import os; print('pid', os.getpid())",
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_MIGRATE="true",
        REDIS_URL="",
        CACHE_URL="dbcache://bc_cache",
    )

    assert result.returncode == 0, result.stderr
    assert "database is reachable" in result.stdout
    assert {"django_migrations", "accounts_user", "bc_cache"} <= tables(db)
    assert re.search(r"^pid \d+$", result.stdout, re.MULTILINE)


def test_entrypoint_execs_in_place_so_the_command_gets_signals(tmp_path):
    proc = subprocess.Popen(
        [str(REPO / "docker-entrypoint.sh"), sys.executable, "-c", "import os; print(os.getpid())"],
        env=entrypoint_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db'}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 0, err
    assert int(out.strip().splitlines()[-1]) == proc.pid


def test_entrypoint_does_not_migrate_by_default(tmp_path):
    db = tmp_path / "app.db"

    result = run_entrypoint("true", DATABASE_URL=f"sqlite:///{db}")

    assert result.returncode == 0, result.stderr
    assert "django_migrations" not in tables(db)


def test_entrypoint_migrate_command_migrates_and_exits(tmp_path):
    db = tmp_path / "app.db"

    result = run_entrypoint("migrate", DATABASE_URL=f"sqlite:///{db}")

    assert result.returncode == 0, result.stderr
    assert "accounts_user" in tables(db)


def test_entrypoint_gives_up_when_the_database_never_answers(tmp_path):
    marker = tmp_path / "ran"

    result = run_entrypoint(
        "touch",
        str(marker),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/boxerconnect",
        DB_CONNECT_TIMEOUT="1",
        DB_WAIT_TIMEOUT="2",
    )

    assert result.returncode == 1
    assert "database not reachable after" in result.stderr
    assert not marker.exists()


def test_entrypoint_rejects_a_typo_in_django_migrate(tmp_path):
    result = run_entrypoint("true", DATABASE_URL=f"sqlite:///{tmp_path / 'db'}", DJANGO_MIGRATE="yes please")

    assert result.returncode == 2
    assert "DJANGO_MIGRATE must be true or false" in result.stderr


@pytest.mark.timeout(90)
def test_entrypoint_default_command_serves_with_gunicorn(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [str(REPO / "docker-entrypoint.sh")],
        env=entrypoint_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'db'}",
            DJANGO_MIGRATE="true",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            EMAIL_HOST="smtp.example.com",  # debug is off: the server refuses console mail
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        for _ in range(300):
            try:
                health = requests.get(f"http://127.0.0.1:{port}/health", timeout=10)
                break
            except requests.RequestException:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    assert health is not None and health.status_code == 200
    assert health.json()["services"]["database"]["status"] == "up"
    assert proc.returncode == 0


def test_entrypoint_is_executable():
    assert os.access(REPO / "docker-entrypoint.sh", os.X_OK)


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_schema_generates_and_validates_without_warnings(tmp_path):
    schema = tmp_path / "schema.yml"

    result = run_manage(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(schema),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db'}",
    )

    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr
    document = yaml.safe_load(schema.read_text())
    assert document["openapi"].startswith("3.")
    assert "/api/v1/permissions/check/" in document["paths"]
