"""Login and its database-backed failure limits (they hold with Redis down).

Two limits count the same `login_failures` rows, written by every password login (the API's
and the Django admin's):
- `login` (default 5/15min) per (email, client IP): slows one client guessing one account;
- `login_account` (default 20/hour) per email, whatever the IP: caps the guesses at an
  account even from an attacker who changes address on every try. The trade-off: anyone can
  keep an account's password login shut for the window by failing on purpose; a password
  reset still works and lifts the cap (`login_failures_clear`).
"""

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
LOGIN_SCOPES = ("login", "login_account")


def login_rate(scope: str) -> tuple[int, int] | None:
    """(failures allowed, window seconds) of a login scope, or None when it is switched off."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
    return None if rate is None else parse_rate(str(rate))


def login_failure_window() -> int:
    """Seconds a failure can still count for either limit (housekeeping keeps rows this long)."""
    return max((rate[1] for rate in map(login_rate, LOGIN_SCOPES) if rate), default=0)


def _lock_login_email(email: str) -> None:
    """Serialise attempts at one email on PostgreSQL so a burst (from any number of IPs)
    cannot overshoot either limit."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"login:{email}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _wait(failures, rate: tuple[int, int] | None) -> int | None:
    """Seconds until the oldest counted failure leaves the window, or None under the limit."""
    if rate is None:
        return None
    limit, window = rate
    now = timezone.now()
    recent = list(
        failures.filter(created_at__gt=now - timedelta(seconds=window))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return max(1, int((recent[-1] + timedelta(seconds=window) - now).total_seconds()) + 1)


def login_retry_after(*, email: str, ip: str) -> int | None:
    """Seconds until `email` may try again from `ip`, or None while under both limits."""
    waits = [
        _wait(LoginFailure.objects.filter(email=email, ip=ip), login_rate("login")),
        _wait(LoginFailure.objects.filter(email=email), login_rate("login_account")),
    ]
    return max((w for w in waits if w is not None), default=None)


def login_failures_clear(*, email: str) -> None:
    """Forget every recorded failure of `email` (from every IP): a password reset proves the
    mailbox, so the per-account cap an attacker ran up ends with it."""
    LoginFailure.objects.filter(email=User.objects.normalize_email(email)).delete()


def login_authenticate(*, request, email: str, password: str, ip: str) -> User:
    """Check a password login under both failure limits; the API login and the Django admin's
    login form both call this, so their failures count together.

    Raises Throttled (429 + Retry-After) while (email, ip) or the email alone is over its
    limit, even for the right password, and AuthenticationFailed (401, one message) for an
    unknown email, a wrong password or an inactive user; each failure is recorded
    (committed) in `login_failures`. Success clears the (email, ip) failures.
    """
    email = User.objects.normalize_email(email)[:254]
    ip = (ip or "")[:64]
    with transaction.atomic():
        _lock_login_email(email)
        wait = login_retry_after(email=email, ip=ip)
        if wait is None:
            # ModelBackend runs the hasher for unknown emails too, and refuses inactive users.
            user = authenticate(getattr(request, "_request", request), email=email, password=password)
            if user is not None:
                LoginFailure.objects.filter(email=email, ip=ip).delete()
                return user
            LoginFailure.objects.create(email=email, ip=ip)
    # Raised after the block so the recorded failure commits.
    if wait is not None:
        raise exceptions.Throttled(wait=wait)
    raise exceptions.AuthenticationFailed(INVALID_CREDENTIALS, code="authentication_failed")


def user_login(*, request, email: str, password: str, ip: str) -> tuple[User, TokenPair]:
    """The API login: `login_authenticate`, then a new JWT session. Works the same whether or
    not Redis is up. (Not one transaction: a failure must commit before the 401 is raised.)"""
    user = login_authenticate(request=request, email=email, password=password, ip=ip)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        return user, session_start(user=user)
