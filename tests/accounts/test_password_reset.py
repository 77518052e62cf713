"""Password reset request and confirm, and the set-password mail other apps send."""

import hashlib
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import services
from accounts.models import PasswordResetToken, RefreshToken, User
from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import PASSWORD, UserFactory
from tests.support.auth import LOGIN, ME, REFRESH, bearer, login, token_from_last_mail

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
STRONG = "Left-Hook-Counter-77"


def test_reset_request_for_known_email_mails_a_frontend_link_and_answers_202(api, settings):
    settings.FRONTEND_URL = "https://app.example.org"
    user = UserFactory(email="known@example.com")

    response = api.post(RESET, {"email": "Known@Example.com"}, format="json")
    sent_during_the_request = len(mail.outbox)
    run_due_jobs()  # the worker's part

    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    assert sent_during_the_request == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "https://app.example.org/reset-password?token=" in mail.outbox[0].body


def test_reset_request_answers_identically_for_unknown_and_inactive_emails(api):
    UserFactory(email="known@example.com")
    UserFactory(email="inactive@example.com", is_active=False)

    known = api.post(RESET, {"email": "known@example.com"}, format="json")
    unknown = api.post(RESET, {"email": "nobody@example.com"}, format="json")
    inactive = api.post(RESET, {"email": "inactive@example.com"}, format="json")
    run_due_jobs()

    assert known.status_code == unknown.status_code == inactive.status_code == 202
    assert known.json() == unknown.json() == inactive.json()
    assert sorted(known.headers) == sorted(unknown.headers) == sorted(inactive.headers)
    assert len(mail.outbox) == 1
    assert PasswordResetToken.objects.count() == 1


def test_reset_request_with_invalid_email_is_400(api):
    assert api.post(RESET, {"email": "not-an-email"}, format="json").status_code == 400
    assert api.post(RESET, {}, format="json").status_code == 400


def test_reset_token_is_256_bits_stored_only_as_sha256_and_expires_after_the_setting(api, settings):
    settings.PASSWORD_RESET_TIMEOUT_MINUTES = 30
    user = UserFactory()

    api.post(RESET, {"email": user.email}, format="json")

    raw = token_from_last_mail()
    assert len(raw) >= 43  # token_urlsafe(32): 32 random bytes
    row = PasswordResetToken.objects.get(user=user)
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert abs((row.expires_at - row.created_at) - timedelta(minutes=30)) < timedelta(seconds=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM password_reset_tokens")
        dumped = repr(cursor.fetchall())
    assert raw not in dumped


def test_reset_token_never_reaches_the_log(api, caplog):
    user = UserFactory()

    with caplog.at_level(logging.DEBUG):
        api.post(RESET, {"email": user.email}, format="json")
        raw = token_from_last_mail()
        api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    assert caplog.records
    assert raw not in caplog.text


def test_reset_confirm_sets_the_password_and_kills_every_session(api):
    user = UserFactory()
    session = login(api, user)
    api.post(RESET, {"email": user.email}, format="json")
    raw = token_from_last_mail()

    response = api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    assert response.status_code == 204
    assert bearer(api, session["access"]).get(ME).status_code == 401
    api.credentials()
    assert api.post(REFRESH, {"refresh": session["refresh"]}, format="json").status_code == 401
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert api.post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json").status_code == 401
    assert api.post(LOGIN, {"email": user.email, "password": STRONG}, format="json").status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_reset_token_is_single_use(api):
    user = UserFactory()
    api.post(RESET, {"email": user.email}, format="json")
    raw = token_from_last_mail()
    api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    again = api.post(CONFIRM, {"token": raw, "new_password": "Another-Strong-One-9"}, format="json")

    assert again.status_code == 400
    assert "token" in again.json()


def test_expired_reset_token_is_400(api):
    user = UserFactory()
    api.post(RESET, {"email": user.email}, format="json")
    raw = token_from_last_mail()
    PasswordResetToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    assert response.status_code == 400
    assert "token" in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("token", ["garbage", "x" * 43, "Zm9v"])
def test_unknown_reset_token_is_400(api, token):
    response = api.post(CONFIRM, {"token": token, "new_password": STRONG}, format="json")

    assert response.status_code == 400
    assert "token" in response.json()


def test_weak_new_password_is_400_and_does_not_consume_the_token(api):
    user = UserFactory(email="pat.person@example.com", name="Pat Person")
    api.post(RESET, {"email": user.email}, format="json")
    raw = token_from_last_mail()

    weak = api.post(CONFIRM, {"token": raw, "new_password": "password"}, format="json")
    strong = api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    assert weak.status_code == 400
    assert "new_password" in weak.json()
    assert strong.status_code == 204


def test_reset_confirm_missing_fields_is_400(api):
    response = api.post(CONFIRM, {"token": "abc"}, format="json")

    assert response.status_code == 400
    assert "new_password" in response.json()


def test_reset_for_a_user_deactivated_after_the_request_is_400(api):
    user = UserFactory()
    api.post(RESET, {"email": user.email}, format="json")
    raw = token_from_last_mail()
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json")

    assert response.status_code == 400


def test_set_password_email_lets_a_passwordless_user_choose_a_password(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(email="Fresh@Example.com", name="Fresh Boxer", role="boxer")
        services.send_set_password_email(user=user)
    run_due_jobs()

    assert not user.has_usable_password()
    assert mail.outbox[-1].to == ["fresh@example.com"]
    raw = token_from_last_mail()
    assert api.post(CONFIRM, {"token": raw, "new_password": STRONG}, format="json").status_code == 204
    assert api.post(LOGIN, {"email": user.email, "password": STRONG}, format="json").status_code == 200


def test_set_password_email_is_not_sent_when_the_transaction_rolls_back():
    with transaction.atomic():
        user = services.user_create(email="x@example.com", name="X", role="boxer")
        services.send_set_password_email(user=user)
        enqueued = DBTaskResult.objects.count()
        transaction.set_rollback(True)
    run_due_jobs()

    assert enqueued == 1  # the job existed inside the transaction ...
    assert DBTaskResult.objects.count() == 0  # ... and went with it
    assert mail.outbox == []
