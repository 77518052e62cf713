"""Attacks on the login limits (issue 12, items 1 and 2): a forged X-Forwarded-For on every
try, the per-account cap that ignores the IP, and the Django admin's login form counting in
the same PostgreSQL rows as the API login."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from accounts.models import LoginFailure
from tests.accounts.factories import PASSWORD, AdminFactory, UserFactory
from tests.support.auth import LOGIN, token_from_last_mail

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Password-1"
ADMIN_LOGIN = "/admin/login/"
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"


def trust_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def set_rates(settings, **rates):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
    settings.REST_FRAMEWORK = framework


def forged(n: int) -> dict:
    """A new made-up client address for every try."""
    return {"HTTP_X_FORWARDED_FOR": f"203.0.{n // 250}.{n % 250 + 1}"}


def api_login(api, email, password=WRONG, **extra):
    return api.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def admin_login(client: Client, email, password=WRONG, **extra):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"}, **extra)


def admin_logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# --- the per-account cap ------------------------------------------------------------------


def test_attack_a_forged_address_on_every_try_meets_the_per_account_cap_at_20(api, settings):
    trust_one_proxy(settings)  # the shipped compose trusted one hop while publishing the port
    user = UserFactory()

    statuses = [api_login(api, user.email, **forged(n)).status_code for n in range(30)]
    right_password = api_login(api, user.email, PASSWORD, **forged(99))

    assert statuses == [401] * 20 + [429] * 10
    assert right_password.status_code == 429
    assert right_password.json()["code"] == "throttled"
    assert 3000 < int(right_password["Retry-After"]) <= 3601
    assert LoginFailure.objects.filter(email=user.email).count() == 20  # capped tries cost nothing


def test_the_per_account_cap_counts_unknown_emails_the_same_way(api):
    statuses = [
        api_login(api, "ghost@example.com", REMOTE_ADDR=f"10.0.0.{n + 1}").status_code for n in range(21)
    ]

    assert statuses == [401] * 20 + [429]


def test_the_per_account_cap_leaves_other_accounts_alone(api):
    victim, bystander = UserFactory(), UserFactory()
    for n in range(20):
        api_login(api, victim.email, REMOTE_ADDR=f"10.0.0.{n + 1}")

    assert api_login(api, bystander.email, PASSWORD).status_code == 200


def test_the_per_account_cap_ends_with_its_window(api):
    user = UserFactory()
    for n in range(20):
        api_login(api, user.email, REMOTE_ADDR=f"10.0.0.{n + 1}")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    assert api_login(api, user.email, PASSWORD, REMOTE_ADDR="10.0.1.1").status_code == 200


def test_a_password_reset_lifts_the_per_account_cap(api):
    user = UserFactory()
    for n in range(20):
        api_login(api, user.email, REMOTE_ADDR=f"10.0.0.{n + 1}")
    assert api_login(api, user.email, PASSWORD, REMOTE_ADDR="10.0.1.1").status_code == 429

    api.post(RESET, {"email": user.email}, format="json")
    confirmed = api.post(
        CONFIRM, {"token": token_from_last_mail(), "new_password": "Jab-Cross-Hook-42"}, format="json"
    )

    assert confirmed.status_code == 204
    assert not LoginFailure.objects.filter(email=user.email).exists()
    assert api_login(api, user.email, "Jab-Cross-Hook-42", REMOTE_ADDR="10.0.1.1").status_code == 200


def test_the_per_account_cap_is_configurable_and_can_be_switched_off(api, settings):
    set_rates(settings, login_account="3/hour")
    user = UserFactory()
    capped = [api_login(api, user.email, REMOTE_ADDR=f"10.0.0.{n + 1}").status_code for n in range(4)]
    set_rates(settings, login_account=None)
    uncapped = {api_login(api, user.email, REMOTE_ADDR=f"10.0.2.{n + 1}").status_code for n in range(4)}

    assert capped == [401, 401, 401, 429]
    assert uncapped == {401}


# --- the Django admin's login form --------------------------------------------------------


def test_attack_an_admin_login_loop_with_forged_addresses_is_capped_like_the_api(settings):
    trust_one_proxy(settings)
    admin = AdminFactory()
    client = Client()

    for n in range(25):
        admin_login(client, admin.email, **forged(n))
    right_password = admin_login(client, admin.email, PASSWORD, **forged(99))

    assert LoginFailure.objects.filter(email=admin.email).count() == 20
    assert right_password.status_code == 200  # the form again, with the reason
    assert b"Too many failed logins" in right_password.content
    assert not admin_logged_in(client)


def test_the_admin_login_limits_per_email_and_ip_after_five_failures():
    admin = AdminFactory()
    client = Client()

    for _ in range(5):
        admin_login(client, admin.email)
    blocked = admin_login(client, admin.email, PASSWORD)
    other_ip = admin_login(Client(), admin.email, PASSWORD, REMOTE_ADDR="10.9.8.7")

    assert b"Too many failed logins" in blocked.content
    assert other_ip.status_code == 302
    assert other_ip["Location"] == "/admin/"


def test_admin_and_api_failures_count_together(api):
    admin = AdminFactory()
    client = Client()

    for _ in range(3):
        api_login(api, admin.email)
    for _ in range(2):
        admin_login(client, admin.email)
    api_blocked = api_login(api, admin.email, PASSWORD)
    admin_blocked = admin_login(client, admin.email, PASSWORD)

    assert api_blocked.status_code == 429
    assert b"Too many failed logins" in admin_blocked.content
    assert not admin_logged_in(client)
    assert LoginFailure.objects.filter(email=admin.email).count() == 5


def test_the_admin_login_still_logs_an_admin_in_and_clears_its_failures():
    admin = AdminFactory()
    client = Client()
    for _ in range(4):
        admin_login(client, admin.email.upper())

    response = admin_login(client, admin.email, PASSWORD)

    assert response.status_code == 302
    assert admin_logged_in(client)
    assert client.get("/admin/").status_code == 200
    assert not LoginFailure.objects.filter(email=admin.email).exists()


def test_the_admin_login_refuses_non_admins_and_inactive_admins_with_one_message():
    boxer = UserFactory()
    inactive = AdminFactory(is_active=False)

    for user in (boxer, inactive):
        client = Client()
        response = admin_login(client, user.email, PASSWORD)

        assert response.status_code == 200
        assert b"Please enter the correct email and password for a staff account" in response.content
        assert not admin_logged_in(client)
    assert LoginFailure.objects.filter(email=inactive.email).count() == 1


def test_the_openapi_document_names_both_login_limits_and_retry_after(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    login = schema["paths"]["/api/v1/auth/login/"]["post"]
    responses = login["responses"]

    assert set(responses) >= {"200", "401", "429"}
    assert "20 per email in an hour from any IP" in login["description"]
    assert responses["429"] == {"$ref": "#/components/responses/Throttled"}
    throttled = schema["components"]["responses"]["Throttled"]
    assert "Retry-After" in throttled["headers"]
    assert throttled["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "authentication_failed" in responses["401"]["content"]["application/json"]["examples"]
