"""Concurrency on real PostgreSQL: refresh rotation, reset confirm, last admin, login limiter."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import LoginFailure, RefreshToken, Role, User
from accounts.tokens import access_token_for
from tests.accounts.factories import AdminFactory, UserFactory
from tests.support.auth import LOGIN, REFRESH, token_from_last_mail

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM = "/api/v1/auth/password/reset/confirm/"


def run_concurrently(count: int, work) -> list:
    """Run work(i) in `count` threads released together; each thread closes its connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[i] = work(i)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_twenty_concurrent_refreshes_of_one_token_mint_exactly_one_child():
    user = UserFactory()
    pair = services.session_start(user=user)
    root = RefreshToken.objects.get(user=user)

    statuses = run_concurrently(
        20, lambda i: APIClient().post(REFRESH, {"refresh": pair.refresh}, format="json").status_code
    )

    assert Counter(statuses) == {200: 1, 401: 19}
    children = RefreshToken.objects.filter(parent_jti=root.jti)
    assert children.count() == 1
    root.refresh_from_db()
    assert root.replaced_by == children.get().jti
    # The 19 duplicates presented a rotated token: reuse, so the family is revoked as a whole.
    assert not RefreshToken.objects.filter(family=root.family, revoked_at__isnull=True).exists()


def test_two_concurrent_reset_confirms_use_the_token_once():
    user = UserFactory()
    services.password_reset_request(email=user.email)
    raw = token_from_last_mail()
    passwords = ["First-Strong-Pass-1", "Second-Strong-Pass-2"]

    statuses = run_concurrently(
        2,
        lambda i: APIClient()
        .post(CONFIRM, {"token": raw, "new_password": passwords[i]}, format="json")
        .status_code,
    )

    assert sorted(statuses) == [204, 400]
    user.refresh_from_db()
    assert user.check_password(passwords[statuses.index(204)])


def test_two_admins_deactivating_themselves_at_once_leave_one_active_admin():
    admins = [AdminFactory(), AdminFactory()]

    def deactivate_self(i: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(admins[i])}")
        return client.patch(
            f"/api/v1/admin/users/{admins[i].pk}/", {"is_active": False}, format="json"
        ).status_code

    statuses = run_concurrently(2, deactivate_self)

    assert sorted(statuses) == [200, 409]
    assert User.objects.filter(role=Role.ADMIN, is_active=True).count() == 1


def test_a_burst_of_wrong_logins_cannot_overshoot_the_limit():
    user = UserFactory()

    statuses = run_concurrently(
        10,
        lambda i: APIClient()
        .post(LOGIN, {"email": user.email, "password": "Wrong-Password-1"}, format="json")
        .status_code,
    )

    assert Counter(statuses) == {401: 5, 429: 5}
    assert LoginFailure.objects.count() == 5
