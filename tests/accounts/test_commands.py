"""createsuperuser (interactive and --noinput) and purge_tokens."""

import builtins
import getpass
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import LoginFailure, PasswordResetToken, RefreshToken, Role, User
from tests.accounts.factories import UserFactory
from tests.support.auth import LOGIN

pytestmark = pytest.mark.django_db

STRONG = "Root-Password-Strong-1"


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_noinput_from_environment_gives_role_admin(api, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Root Admin")

    call_command("createsuperuser", interactive=False, stdout=io.StringIO())

    user = User.objects.get(email="root@example.com")
    assert (user.role, user.is_superuser, user.is_staff, user.name) == (Role.ADMIN, True, True, "Root Admin")
    response = api.post(LOGIN, {"email": "root@example.com", "password": STRONG}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "admin"


def test_createsuperuser_interactive_gives_role_admin(monkeypatch):
    answers = iter(["boss@example.com", "Boss Person"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(answers))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": STRONG)

    call_command("createsuperuser", interactive=True, stdin=TTY(), stdout=io.StringIO())

    user = User.objects.get(email="boss@example.com")
    assert (user.role, user.is_superuser, user.name) == (Role.ADMIN, True, "Boss Person")
    assert user.check_password(STRONG)


def make_token_rows():
    user = UserFactory()
    now = timezone.now()
    past, future = now - timedelta(minutes=1), now + timedelta(days=1)
    rows = {
        "expired_refresh": RefreshToken.objects.create(
            jti="a" * 32, user=user, family=user.pk, expires_at=past
        ),
        "revoked_refresh": RefreshToken.objects.create(
            jti="b" * 32, user=user, family=user.pk, expires_at=future, revoked_at=now
        ),
        "live_refresh": RefreshToken.objects.create(
            jti="c" * 32, user=user, family=user.pk, expires_at=future
        ),
        "expired_reset": PasswordResetToken.objects.create(user=user, token_hash="1" * 64, expires_at=past),
        "used_reset": PasswordResetToken.objects.create(
            user=user, token_hash="2" * 64, expires_at=future, used_at=now
        ),
        "live_reset": PasswordResetToken.objects.create(user=user, token_hash="3" * 64, expires_at=future),
        "fresh_failure": LoginFailure.objects.create(email="x@example.com", ip="10.0.0.1"),
    }
    stale = LoginFailure.objects.create(email="x@example.com", ip="10.0.0.1")
    LoginFailure.objects.filter(pk=stale.pk).update(created_at=now - timedelta(hours=1))
    return rows


def test_purge_tokens_dry_run_counts_and_deletes_nothing():
    make_token_rows()
    out = io.StringIO()

    call_command("purge_tokens", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "Would delete 1 refresh_tokens" in text
    assert "Would delete 2 password_reset_tokens" in text
    assert "Would delete 1 login_failures" in text
    assert RefreshToken.objects.count() == 3
    assert PasswordResetToken.objects.count() == 3
    assert LoginFailure.objects.count() == 2


def test_purge_tokens_deletes_expired_and_used_and_keeps_revoked_unexpired_refresh_rows():
    rows = make_token_rows()
    out = io.StringIO()

    call_command("purge_tokens", stdout=out)

    assert "Deleted 4 row(s) in total." in out.getvalue()
    assert set(RefreshToken.objects.values_list("jti", flat=True)) == {
        rows["revoked_refresh"].jti,
        rows["live_refresh"].jti,
    }
    assert list(PasswordResetToken.objects.values_list("pk", flat=True)) == [rows["live_reset"].pk]
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [rows["fresh_failure"].pk]
