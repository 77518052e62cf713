"""Attacks on the configuration (issue 12, items 3 and 11): reset links printed to a production
log, and JWTs signed with a key anyone can read or guess. Each is a `check --deploy` error and
stops the server at start-up (gunicorn and runserver both load boxerconnect.wsgi)."""

import json
import subprocess
import sys

import jwt
import pytest

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
OLD_PUBLIC_KEY = "django-insecure-development-only-key-never-use-in-production"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def check_deploy(**env):
    return run_manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION_ENV, **env})


def import_wsgi(**env):
    """What gunicorn and runserver do first: load boxerconnect.wsgi with this environment."""
    return run_python("import boxerconnect.wsgi; print('serving')", **{**PRODUCTION_ENV, **env})


# --- item 3: mail in production -----------------------------------------------------------


def test_attack_without_email_host_a_production_server_would_log_reset_links_so_check_deploy_fails():
    result = check_deploy(EMAIL_HOST=None)

    assert result.returncode != 0
    assert "boxerconnect.E002" in result.stderr
    assert "password-reset links would be written to the log" in result.stderr
    assert "Set EMAIL_HOST" in result.stderr


def test_attack_without_email_host_the_server_refuses_to_start():
    result = import_wsgi(EMAIL_HOST=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Refusing to serve: boxerconnect.E002" in result.stderr
    assert "serving" not in result.stdout


def test_gunicorn_with_the_console_backend_and_debug_off_stops_instead_of_serving(tmp_path):
    port = free_port()
    env = clean_env(
        **{
            **PRODUCTION_ENV,
            "EMAIL_HOST": None,
            "REDIS_URL": None,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "boxerconnect.wsgi:application"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert proc.returncode != 0  # the worker failed to boot, so the master stopped
    assert "boxerconnect.E002" in proc.stderr


@pytest.mark.parametrize(
    "env",
    [
        {},  # EMAIL_HOST: SMTP
        {"EMAIL_HOST": None, "DJANGO_EMAIL_BACKEND": CONSOLE},  # chosen on purpose
        {"EMAIL_HOST": None, "DJANGO_EMAIL_BACKEND": LOCMEM},  # the test suite's choice
    ],
)
def test_smtp_or_an_explicitly_chosen_backend_serves_and_passes_check_deploy(env):
    assert check_deploy(**env).returncode == 0
    served = import_wsgi(**env)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().endswith("serving")


def test_debug_mode_prints_mail_to_the_console_as_before():
    result = import_wsgi(EMAIL_HOST=None, DJANGO_DEBUG="true", REDIS_URL=None)

    assert result.returncode == 0, result.stderr


# --- item 11: weak JWT keys ---------------------------------------------------------------

_KEYS = """
import json
from django.conf import settings
token = __import__("jwt").encode({"user_id": "x"}, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
print(json.dumps({"secret": settings.SECRET_KEY, "jwt": settings.SIMPLE_JWT["SIGNING_KEY"], "token": token}))
"""


def debug_keys_without_a_secret() -> tuple[dict, str]:
    result = run_python(_KEYS, DJANGO_DEBUG="true", DJANGO_SECRET_KEY=None, JWT_SIGNING_KEY=None)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_attack_debug_without_a_secret_key_signs_with_no_public_constant():
    first, warning = debug_keys_without_a_secret()
    second, _ = debug_keys_without_a_secret()

    assert first["secret"] != OLD_PUBLIC_KEY
    assert "insecure" not in first["secret"]
    assert len(first["secret"]) >= 50
    assert first["jwt"] == first["secret"]
    assert first["secret"] != second["secret"]  # per process: nothing to read in the source
    with pytest.raises(jwt.InvalidSignatureError):  # a token of one run means nothing to another
        jwt.decode(first["token"], second["jwt"], algorithms=["HS256"])
    assert "DJANGO_SECRET_KEY is not set" in warning


@pytest.mark.parametrize(
    ("env", "length"),
    [
        ({"JWT_SIGNING_KEY": "x" * 31}, 31),
        ({"JWT_SIGNING_KEY": "é" * 15}, 30),  # bytes, not characters
        ({"DJANGO_SECRET_KEY": "short-but-set-secret-key"}, 24),  # the default JWT key
    ],
)
def test_attack_a_jwt_signing_key_under_32_bytes_fails_check_deploy_and_start_up(env, length):
    checked = check_deploy(**env)
    served = import_wsgi(**env)

    assert checked.returncode != 0
    assert "boxerconnect.E001" in checked.stderr
    assert f"The JWT signing key is {length} bytes long" in checked.stderr
    assert served.returncode != 0
    assert "boxerconnect.E001" in served.stderr


def test_a_32_byte_jwt_signing_key_is_accepted():
    assert check_deploy(JWT_SIGNING_KEY="k" * 32).returncode == 0
    assert import_wsgi(JWT_SIGNING_KEY="k" * 32).returncode == 0
