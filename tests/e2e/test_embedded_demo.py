"""`make run`'s embedded database (SQLite, in-process cache) serves every read a demo visitor
makes, sparring suggestions included.

The rest of the suite runs on PostgreSQL; a query PostgreSQL accepts and SQLite refuses (a
LIMIT inside a UNION was one: suggestions answered 500 on `make run` while every PostgreSQL
test passed) only shows here. A fresh process migrates a new SQLite file, seeds the demo
world (as `make run DEMO=1` does), logs in as each demo coach and reads the hot paths as a
client would.
"""

import json
import subprocess
import sys

import pytest

from tests.boxerconnect.subproc import REPO, clean_env

pytestmark = pytest.mark.slow

_VISIT = """
import django, json, sys
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from boxers.models import CoachLink
from accounts.models import User

call_command("migrate", "--noinput", verbosity=0)
settings.DEMO_LOGINS_FILE = sys.argv[1]  # not the checkout's own file
call_command("seed_demo", stdout=open("/dev/null", "w"))
client = Client()
statuses = {}

def get(path, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.get(path, **headers)
    statuses[path] = response.status_code
    return response

get("/api/v1/boxers/")
get("/api/v1/boxers/?search=a&gender=male&min_weight=50&max_weight=90")
get("/api/v1/clubs/")
logins = [line.split() for line in open(sys.argv[1]) if line.startswith("coach ")]
suggested = 0
for _role, email, password in logins:
    login = client.post("/api/v1/auth/login/", {"email": email, "password": password},
                        content_type="application/json")
    assert login.status_code == 200, login.content
    token = login.json()["access"]
    for path in ("/api/v1/auth/me/", "/api/v1/sparring-requests/", "/api/v1/notifications/"):
        get(path, token)
    coach = User.objects.get(email=email)
    links = CoachLink.objects.filter(coach=coach, status="active")
    managed = [link for link in links if "manage_sparring" in link.rights]
    for link in managed:
        for kind in ("sparring", "bout"):
            response = get(f"/api/v1/boxers/{link.boxer_id}/suggestions/?kind={kind}", token)
            if response.status_code == 200:
                suggested += len(response.json()["results"])
        get(f"/api/v1/boxers/{link.boxer_id}/availability/", token)
print(json.dumps({"statuses": statuses, "suggested": suggested}))
"""


def test_the_demo_on_the_embedded_database_answers_every_read(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "true",
        "REDIS_URL": None,
        "CACHE_URL": None,
    }
    result = subprocess.run(
        [sys.executable, "-c", _VISIT, str(tmp_path / "demo-logins.txt")],
        cwd=REPO,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    failed = {path: status for path, status in found["statuses"].items() if status != 200}
    assert failed == {}
    assert any("/suggestions/" in path for path in found["statuses"])
    assert found["suggested"] > 0
