"""Run Python or manage.py in a fresh process with exactly the environment a test gives.

Settings are read once per process, so every configuration case needs its own process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET = "k3Jx9-vQ2mZr7LtB0wYh4NcS8uPe1FdG6aKo5XiV_bTn3RlWj2EyHq7MzA0sDfUg"

# What every subprocess gets unless a test overrides it: production mode with a key.
BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "boxerconnect.settings",
    # A developer's `.env` beside manage.py (make run writes one) must not change the case.
    "DJANGO_READ_ENV_FILE": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": PRODUCTION_SECRET,
    "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
}


def clean_env(**overrides: str | None) -> dict[str, str]:
    """A minimal environment: PATH/HOME/LANG, BASE_ENV, then overrides (None removes)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(BASE_ENV)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(code: str, timeout: float = 60, **env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_manage(*args: str, timeout: float = 120, **env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_DUMP_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in %r}, default=str))
"""


def load_settings(*names: str, **env: str | None) -> dict:
    """The named settings as a process with this environment sees them."""
    result = run_python(_DUMP_SETTINGS % (list(names),), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def settings_error(**env: str | None) -> str:
    """Load settings expecting ImproperlyConfigured; return its message."""
    result = run_python("from django.conf import settings; settings.DEBUG", **env)
    assert result.returncode != 0, f"settings loaded although they should not: {result.stdout}"
    marker = "django.core.exceptions.ImproperlyConfigured: "
    lines = [line for line in result.stderr.splitlines() if line.startswith(marker)]
    assert lines, result.stderr
    return lines[-1].removeprefix(marker)
