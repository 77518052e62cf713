"""Throttling per API.md: login failures per email+IP (database-backed), register, refresh,
password reset per IP and per email; trusted proxies; behaviour with Redis stopped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import LoginFailure
from tests.accounts.factories import PASSWORD, UserFactory
from tests.support.auth import LOGIN, ME, REFRESH, bearer, login

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
WRONG = "Wrong-Password-1"


def set_rates(settings, **rates):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
    settings.REST_FRAMEWORK = framework


def set_num_proxies(settings, count: int):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


def attempt(api, email, password=WRONG, **extra):
    return api.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def assert_throttled(response, window_seconds: int):
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= window_seconds + 1


# --- login --------------------------------------------------------------------------------


def test_sixth_login_failure_within_15_minutes_is_429_even_with_the_right_password(api):
    user = UserFactory()

    failures = [attempt(api, user.email).status_code for _ in range(5)]
    blocked = attempt(api, user.email, PASSWORD)

    assert failures == [401] * 5
    assert_throttled(blocked, 900)


def test_login_limit_applies_to_unknown_emails_too(api):
    failures = [attempt(api, "ghost@example.com").status_code for _ in range(5)]

    assert failures == [401] * 5
    assert_throttled(attempt(api, "ghost@example.com"), 900)


def test_login_limit_is_per_email_and_per_ip(api):
    user, other = UserFactory(), UserFactory()
    for _ in range(5):
        attempt(api, user.email)

    other_email = attempt(api, other.email, PASSWORD)
    other_ip = attempt(api, user.email, PASSWORD, REMOTE_ADDR="10.9.8.7")
    same_email_other_case = attempt(api, user.email.upper(), PASSWORD)

    assert other_email.status_code == 200
    assert other_ip.status_code == 200
    assert same_email_other_case.status_code == 429


def test_successful_login_clears_the_failures(api):
    user = UserFactory()
    for _ in range(4):
        attempt(api, user.email)

    login(api, user)
    later = [attempt(api, user.email).status_code for _ in range(5)]

    assert later == [401] * 5
    assert LoginFailure.objects.filter(email=user.email).count() == 5


def test_failures_older_than_the_window_do_not_count(api):
    user = UserFactory()
    for _ in range(5):
        attempt(api, user.email)
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    response = attempt(api, user.email, PASSWORD)

    assert response.status_code == 200


def test_login_rate_is_configurable(api, settings):
    set_rates(settings, login="2/15min")
    user = UserFactory()

    statuses = [attempt(api, user.email).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_login_limit_can_be_switched_off(api, settings):
    set_rates(settings, login=None)
    user = UserFactory()

    statuses = {attempt(api, user.email).status_code for _ in range(7)}

    assert statuses == {401}


def test_x_forwarded_for_is_ignored_without_trusted_proxies(api, settings):
    set_num_proxies(settings, 0)
    user = UserFactory()

    failures = [attempt(api, user.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(5)]
    blocked = attempt(api, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")

    assert failures == [401] * 5
    assert blocked.status_code == 429


def test_one_trusted_proxy_means_the_last_forwarded_address_is_the_client(api, settings):
    set_num_proxies(settings, 1)
    user = UserFactory()
    for _ in range(5):
        attempt(api, user.email, HTTP_X_FORWARDED_FOR="198.51.100.1")

    spoofed = attempt(api, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    other_client = attempt(api, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert spoofed.status_code == 429
    assert other_client.status_code == 200
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"198.51.100.1"}


# --- register, refresh, password reset ----------------------------------------------------


def test_register_is_limited_to_10_per_hour_per_ip(api):
    statuses = [
        api.post(
            REGISTER, {"email": f"r{n}@example.com", "password": "x", "name": "R"}, format="json"
        ).status_code
        for n in range(10)
    ]
    blocked = api.post(REGISTER, {"email": "late@example.com", "password": "x", "name": "R"}, format="json")
    other_ip = api.post(
        REGISTER,
        {"email": "o@example.com", "password": "x", "name": "R"},
        format="json",
        REMOTE_ADDR="10.1.1.1",
    )

    assert statuses == [400] * 10
    assert_throttled(blocked, 3600)
    assert other_ip.status_code == 400


def test_refresh_is_limited_to_30_per_minute_per_ip(api):
    statuses = [api.post(REFRESH, {"refresh": "bogus"}, format="json").status_code for _ in range(30)]

    blocked = api.post(REFRESH, {"refresh": "bogus"}, format="json")

    assert statuses == [401] * 30
    assert_throttled(blocked, 60)


def test_password_reset_is_limited_per_ip(api):
    statuses = [api.post(RESET, {"email": f"p{n}@example.com"}, format="json").status_code for n in range(5)]

    blocked = api.post(RESET, {"email": "p9@example.com"}, format="json")

    assert statuses == [202] * 5
    assert_throttled(blocked, 3600)


@pytest.mark.parametrize("known", [True, False])
def test_password_reset_is_limited_per_email_identically_for_unknown_emails(api, known):
    if known:
        UserFactory(email="target@example.com")

    statuses = [
        api.post(RESET, {"email": "target@example.com"}, format="json", REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(5)
    ]
    blocked = api.post(RESET, {"email": "Target@Example.com"}, format="json", REMOTE_ADDR="10.0.0.77")

    assert statuses == [202] * 5
    assert_throttled(blocked, 3600)


# --- Redis stopped ------------------------------------------------------------------------


def test_with_redis_stopped_login_limiting_holds_and_nothing_is_5xx(private_redis, api):
    user = UserFactory()
    private_redis.stop()

    failures = [attempt(api, user.email).status_code for _ in range(5)]
    blocked = attempt(api, user.email, PASSWORD)
    other_ip_ok = attempt(api, user.email, PASSWORD, REMOTE_ADDR="10.2.2.2")

    assert failures == [401] * 5
    assert_throttled(blocked, 900)
    assert other_ip_ok.status_code == 200


def test_with_redis_stopped_every_throttled_endpoint_still_answers(private_redis, api):
    user = UserFactory()
    session = login(api, user)
    private_redis.stop()

    registers = [
        api.post(
            REGISTER, {"email": f"z{n}@example.com", "password": "x", "name": "Z"}, format="json"
        ).status_code
        for n in range(12)
    ]
    resets = [api.post(RESET, {"email": user.email}, format="json").status_code for _ in range(7)]
    refreshed = api.post(REFRESH, {"refresh": session["refresh"]}, format="json")
    me = bearer(api, refreshed.json()["access"]).get(ME)

    assert registers == [400] * 12  # throttles fail open without their cache, never 5xx
    assert resets == [202] * 7
    assert refreshed.status_code == 200
    assert me.status_code == 200  # the auth check falls back to PostgreSQL
