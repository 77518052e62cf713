"""Login and its database-backed failure limiter (holds with Redis down)."""

import hashlib
from datetime import timedelta

from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.settings import api_settings

from accounts.models import LoginFailure, User
from accounts.services.sessions import TokenPair, session_start
from boxerconnect.rates import parse_rate

INVALID_CREDENTIALS = "Invalid email or password."


def _login_rate() -> tuple[int, int] | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get("login")
    return None if rate is None else parse_rate(str(rate))


def _lock_login_key(email: str, ip: str) -> None:
    """Serialise attempts for one (email, IP) on PostgreSQL so a burst cannot overshoot."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"login:{email}|{ip}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def login_retry_after(*, email: str, ip: str) -> int | None:
    """Seconds until (email, ip) may try again, or None while under the failure limit."""
    rate = _login_rate()
    if rate is None:
        return None
    limit, window = rate
    now = timezone.now()
    recent = list(
        LoginFailure.objects.filter(email=email, ip=ip, created_at__gt=now - timedelta(seconds=window))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    oldest_counted = recent[-1]
    return max(1, int((oldest_counted + timedelta(seconds=window) - now).total_seconds()) + 1)


def user_login(*, request, email: str, password: str, ip: str) -> tuple[User, TokenPair]:
    """Check credentials and start a session. Works the same whether or not Redis is up.

    Raises Throttled (429 + Retry-After) after too many failures for (email, ip) within the
    window, and AuthenticationFailed (401, one message) for unknown email, wrong password or
    an inactive user; each failure is recorded (committed) in `login_failures`.
    """
    email = User.objects.normalize_email(email)[:254]
    ip = (ip or "")[:64]
    with transaction.atomic():
        _lock_login_key(email, ip)
        wait = login_retry_after(email=email, ip=ip)
        if wait is None:
            # ModelBackend runs the hasher for unknown emails too, and refuses inactive users.
            user = authenticate(getattr(request, "_request", request), email=email, password=password)
            if user is not None:
                LoginFailure.objects.filter(email=email, ip=ip).delete()
                User.objects.filter(pk=user.pk).update(last_login=timezone.now())
                return user, session_start(user=user)
            LoginFailure.objects.create(email=email, ip=ip)
    # Raised after the block so the recorded failure commits.
    if wait is not None:
        raise exceptions.Throttled(wait=wait)
    raise exceptions.AuthenticationFailed(INVALID_CREDENTIALS, code="authentication_failed")
