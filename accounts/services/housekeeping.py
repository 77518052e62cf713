"""Housekeeping: purge expired tokens and stale login failures (`purge_tokens`)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import LoginFailure, PasswordResetToken, RefreshToken
from accounts.services.login import login_failure_window


@transaction.atomic
def tokens_purge(*, dry_run: bool = False) -> dict[str, int]:
    """Delete expired refresh rows, expired or used reset tokens and stale login failures.

    Revoked-but-unexpired refresh rows are kept: they still detect reuse. Returns counts.
    """
    now = timezone.now()
    window = login_failure_window()
    querysets = {
        "refresh_tokens": RefreshToken.objects.filter(expires_at__lte=now),
        "password_reset_tokens": PasswordResetToken.objects.filter(expires_at__lte=now)
        | PasswordResetToken.objects.filter(used_at__isnull=False),
        "login_failures": LoginFailure.objects.filter(created_at__lte=now - timedelta(seconds=window)),
    }
    counts = {name: qs.count() for name, qs in querysets.items()}
    if not dry_run:
        for qs in querysets.values():
            qs.delete()
    return counts
