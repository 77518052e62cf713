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


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Change the password; every other session dies; returns the caller's new pair."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise exceptions.ValidationError({"current_password": ["The current password is wrong."]})
    errors = password_errors(new_password, user)
    if errors:
        raise exceptions.ValidationError({"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    end_all_sessions(user)
    return session_start(user=user)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _reset_link(raw: str) -> str:
    return f"{settings.FRONTEND_URL}/reset-password?token={raw}"


def _reset_token_create(user: User) -> str:
    """Store a new reset token's SHA-256 (256-bit token, expiry from settings); return the raw."""
    raw = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=user,
        token_hash=_token_hash(raw),
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
    """Set a new password with a reset token: single use (conditional UPDATE on used_at),
    every session revoked. Raises ValidationError (400) for an invalid/expired/used token or
    a weak password (a weak password does not consume the token)."""
    now = timezone.now()
    row = (
        PasswordResetToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if row is None:
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
    end_all_sessions(user)
    return user
