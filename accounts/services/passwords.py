"""Passwords: change, reset by mailed link (also how users created without one set it)."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions

from accounts.models import PasswordResetToken, User
from accounts.services import mail
from accounts.services.login import login_failures_clear
from accounts.services.sessions import TokenPair, end_all_sessions, session_start

logger = logging.getLogger(__name__)

INVALID_RESET = "This link is invalid, expired or has already been used."


def password_errors(password: str, user: User) -> list[str]:
    """Django's password validators' messages for `password` (empty: acceptable)."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


def _password_changed(user: User) -> None:
    """What any new password ends: every session (JWTs and Django admin sessions, through
    token_version) and every outstanding reset or set-password link of the user."""
    end_all_sessions(user)
    PasswordResetToken.objects.filter(user=user, used_at__isnull=True).delete()


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Change the password; every other session and every reset link dies; returns the
    caller's new pair."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise exceptions.ValidationError({"current_password": ["The current password is wrong."]})
    errors = password_errors(new_password, user)
    if errors:
        raise exceptions.ValidationError({"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    _password_changed(user)
    return session_start(user=user)


@transaction.atomic
def password_set(*, user: User, new_password: str) -> User:
    """Set a password without the current one (the Django admin's password forms, which have
    validated it): every session and every reset link of the user dies, as on a change.

    `user` is updated in place (its new token_version lets the caller keep its own admin
    session with `update_session_auth_hash`)."""
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    _password_changed(user)
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def password_fingerprint(user: User) -> str:
    """SHA-256 of the stored password hash. A reset token remembers the fingerprint it was
    issued under and is refused once it differs: a password set by any path (a service, the
    `changepassword` command, the shell) kills the links issued before, as Django's own
    PasswordResetTokenGenerator does by hashing the password into its tokens."""
    return hashlib.sha256(user.password.encode()).hexdigest()


def _reset_link(raw: str) -> str:
    return f"{settings.FRONTEND_URL}/reset-password?token={raw}"


def _reset_token_create(user: User) -> str:
    """Store a new reset token's SHA-256 (256-bit token, expiry from settings); return the raw."""
    raw = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=user,
        token_hash=_token_hash(raw),
        password_fingerprint=password_fingerprint(user),
        expires_at=timezone.now() + timedelta(minutes=settings.PASSWORD_RESET_TIMEOUT_MINUTES),
    )
    return raw


def _link_context(user: User) -> dict:
    """What the reset and set-password mails show: a new single-use link and its lifetime."""
    return {
        "name": user.name,
        "link": _reset_link(_reset_token_create(user)),
        "minutes": settings.PASSWORD_RESET_TIMEOUT_MINUTES,
    }


def password_reset_request(*, email: str) -> None:
    """Mail a reset link if an active account has this email; silent otherwise.

    The caller answers identically either way. The raw token exists only in the mail.
    """
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is None:
        return
    mail.send_on_commit(to=user.email, template="password_reset", context=_link_context(user))


def send_set_password_email(*, user: User) -> None:
    """Mail a set-password link (the reset-token flow) to a user created without a password.

    Sent when the surrounding transaction commits.
    """
    mail.send_on_commit(to=user.email, template="set_password", context=_link_context(user))


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str) -> User:
    """Set a new password with a reset token: single use (conditional UPDATE on used_at);
    every session and every other reset link dies, and the login failures of the email are
    forgotten (the per-account cap ends). Raises ValidationError (400) for an invalid,
    expired, used or superseded token (the password changed since it was issued) or a weak
    password (a weak password does not consume the token)."""
    now = timezone.now()
    row = (
        PasswordResetToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if row is None or row.password_fingerprint != password_fingerprint(row.user):
        raise exceptions.ValidationError({"token": [INVALID_RESET]})
    user = row.user
    errors = password_errors(new_password, user)
    if errors:
        raise exceptions.ValidationError({"new_password": errors})
    if not PasswordResetToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise exceptions.ValidationError({"token": [INVALID_RESET]})  # a concurrent confirm won
    user.set_password(new_password)
    # Following the emailed link proves the address.
    user.email_verified = True
    user.save(update_fields=["password", "email_verified", "updated_at"])
    _password_changed(user)
    login_failures_clear(email=user.email)
    return user
