"""Issue 12's attacks replayed over HTTP against gunicorn with debug off: forged
X-Forwarded-For loops against every per-IP limit and the per-account cap, a method flood
against /metrics, and a nested body."""

import pytest
import requests

from accounts.services import session_start
from accounts.tokens import access_token_for
from fuzz import hostile
from tests.accounts.factories import PASSWORD, AdminFactory, UserFactory
from tests.boxers.factories import BoxerFactory
from tests.support.metrics import label_values

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOW_RATES = "anon=40/min,register=3/hour,refresh=3/min,password_reset=3/hour"


def forged(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}


def statuses(app, method: str, path: str, bodies) -> list[int]:
    return [
        app.request(method, path, json=body, headers=forged(n)).status_code for n, body in enumerate(bodies)
    ]


def test_attack_forged_x_forwarded_for_loops_meet_every_per_ip_limit_by_default(live_app_factory):
    # DJANGO_NUM_PROXIES is not set: no forwarded header is trusted.
    app = live_app_factory(env={"DJANGO_THROTTLE_RATES": LOW_RATES})
    user = UserFactory()
    refresh = session_start(user=user).refresh

    login = statuses(app, "POST", "/api/v1/auth/login/", [{"email": user.email, "password": "nope"}] * 6)
    register = statuses(
        app,
        "POST",
        "/api/v1/auth/register/",
        [{"email": f"new{n}@example.com", "password": "Jab-Cross-Hook-42", "name": "N"} for n in range(4)],
    )
    refreshes = statuses(app, "POST", "/api/v1/auth/refresh/", [{"refresh": refresh}] * 4)
    resets = statuses(
        app, "POST", "/api/v1/auth/password/reset/", [{"email": f"r{n}@example.com"} for n in range(4)]
    )
    anonymous = [app.get("/api/v1/clubs/", headers=forged(n)).status_code for n in range(30)]

    assert login == [401] * 5 + [429]
    assert register == [201] * 3 + [429]
    assert refreshes[-1] == 429
    assert resets == [202] * 3 + [429]
    # The 18 requests above counted too: 40 per minute from this one real address.
    assert anonymous == [200] * (40 - 18) + [429] * 8


def test_attack_forged_addresses_against_the_compose_settings_meet_the_per_account_cap(live_app_factory):
    # The shipped compose trusts one proxy hop: a client that reached gunicorn directly could
    # pick a new address per try. The per-account cap ignores the address.
    app = live_app_factory(env={"DJANGO_NUM_PROXIES": "1"})
    user = UserFactory()

    tries = statuses(app, "POST", "/api/v1/auth/login/", [{"email": user.email, "password": "nope"}] * 25)
    right = app.request(
        "POST", "/api/v1/auth/login/", json={"email": user.email, "password": PASSWORD}, headers=forged(99)
    )

    assert tries == [401] * 20 + [429] * 5
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 3000


def test_attack_a_method_flood_against_live_metrics_adds_no_series(live_app):
    methods = [f"FLOOD{n:03d}" for n in range(200)]

    answers = {live_app.request(method, "/metrics").status_code for method in methods}
    anonymous = requests.get(f"{live_app.url}/metrics", timeout=10)
    text = live_app.get("/metrics").text

    assert max(answers) < 500
    assert anonymous.status_code == 401  # debug off: only the token's bearer reads metrics
    assert label_values(text, "http_requests_total", "method") <= {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
    }  # fmt: skip
    assert "FLOOD" not in text
    assert len(text) < 60_000


def test_attack_fifty_thousand_brackets_are_a_400_over_http(live_app):
    body = "[" * 50_000

    login = live_app.request(
        "POST", "/api/v1/auth/login/", data=body, headers={"Content-Type": "application/json"}
    )
    deep = live_app.request(
        "POST",
        "/api/v1/auth/password/reset/",
        data='{"a":' * 50_000,
        headers={"Content-Type": "application/json"},
    )

    assert login.status_code == 400
    assert login.json()["code"] == "parse_error"
    assert deep.status_code == 400
    assert live_app.running


def test_every_operation_answers_hostile_bodies_below_500_as_make_fuzz_sends_them(live_app_factory):
    live_app = live_app_factory(
        env={"DJANGO_THROTTLE_RATES": "anon=off,user=off,register=off,password_reset=off,refresh=off"}
    )
    admin, boxer = AdminFactory(), BoxerFactory()
    schema = live_app.get("/api/schema/", params={"format": "json"}).json()

    result = hostile.run(
        live_app.url,
        schema,
        tokens={"anonymous": None, "admin": access_token_for(admin)},
        path_ids=[str(boxer.pk), str(boxer.user_id)],
        max_body_bytes=1024 * 1024,
    )

    assert result["failures"] == []
    assert result["server_errors_5xx"] == 0
    assert result["requests"] > 500
    assert result["statuses"]["400"] > 100  # the parser itself was reached, not only 404s
    assert result["statuses"]["413"] > 10
    assert "429" not in result["statuses"]


def test_gunicorn_answers_the_errors_it_raises_itself_in_json(live_app):
    # Found by `make fuzz`: a request line over gunicorn's limit (4094 bytes) never reaches
    # Django, and gunicorn answered an HTML page that no client of this API parses.
    response = live_app.get("/api/v1/boxers/", params={"search": "a" * 6000})

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Request Line is too large (6036 > 4094)", "code": "bad_request"}
