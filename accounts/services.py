"""Writes for accounts: users, JWT sessions (refresh rows), passwords, resets, login limiting.

Every change to a user's role, is_active or token_version calls
`permissions.cache.invalidate(users=[...])` so the cached user fact (which the per-request
auth check reads) is re-read after commit: old access tokens die on the very next request.
"""

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken as RefreshJWT

from accounts.models import LoginFailure, PasswordResetToken, RefreshToken, Role, User
from accounts.tokens import access_token_for
from boxerconnect import jobs
from boxerconnect.exceptions import Conflict
from boxerconnect.rates import parse_rate
from boxers.models import Boxer
from boxers.services import boxer_create
from clubs.models import Club
from permissions.cache import invalidate

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("accounts.security")

SELF_SERVICE_ROLES = (Role.BOXER, Role.COACH, Role.GYM_OWNER)
INVALID_CREDENTIALS = "Invalid email or password."
INVALID_REFRESH = "Token is invalid, expired or revoked."
INVALID_RESET = "This link is invalid, expired or has already been used."


class LastActiveAdmin(Conflict):
    default_detail = "The last active admin cannot be deactivated or demoted."
    default_code = "last_active_admin"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# --- Users --------------------------------------------------------------------------------


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


def _email_taken(email: str, exclude_pk=None) -> bool:
    qs = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _email_taken_error() -> exceptions.ValidationError:
    return exceptions.ValidationError({"email": ["A user with this email already exists."]}, code="unique")


@transaction.atomic
def user_create(*, email: str, name: str, role: str, password: str | None = None) -> User:
    """Create a user of any role. Without `password` the password is unusable and the caller
    sends a set-password email (`send_set_password_email`). Raises DRF ValidationError (400)
    for a taken email (case-insensitive), an unknown role or a weak password."""
    if role not in Role.values:
        raise exceptions.ValidationError({"role": [f'"{role}" is not a valid choice.']})
    email = User.objects.normalize_email(email)
    user = User(email=email, name=name, role=role)
    if password is not None:
        errors = _password_errors(password, user)
        if errors:
            raise exceptions.ValidationError({"password": errors})
        user.set_password(password)
    else:
        user.set_unusable_password()
    if _email_taken(email):
        raise _email_taken_error()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:  # a concurrent registration won the unique index
        raise _email_taken_error() from None
    invalidate(users=[user.pk])
    return user


def admin_user_create(*, email: str, name: str, role: str, password: str | None = None) -> User:
    """Admin creates a user of any role; without a password the user gets a set-password mail."""
    with transaction.atomic():
        user = user_create(email=email, name=name, role=role, password=password)
        if password is None:
            send_set_password_email(user=user)
    return user


@transaction.atomic
def user_register(*, email: str, password: str, name: str, role: str = Role.BOXER) -> tuple[User, TokenPair]:
    """Self-registration: role admin is refused; a boxer also gets an empty boxer profile."""
    if role not in SELF_SERVICE_ROLES:
        raise exceptions.ValidationError({"role": ["This role cannot be chosen at registration."]})
    user = user_create(email=email, name=name, role=role, password=password)
    if role == Role.BOXER:
        boxer_create(user=user, name=user.name)
    return user, session_start(user=user)


def _profile_ids(user: User) -> list:
    return list(Boxer.objects.filter(user_id=user.pk).values_list("pk", flat=True))


@transaction.atomic
def user_update(*, user: User, **fields) -> User:
    """Change name, email, role and/or is_active (admin tools; `me` only passes name).

    Deactivation and role change bump token_version and revoke every refresh token, so the
    user's sessions and rights end on the next request. The last active admin cannot be
    deactivated or demoted (LastActiveAdmin, 409): all active admin rows are locked first so
    two concurrent demotions cannot both pass the check.
    """
    allowed = {"name", "email", "role", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"user_update got unexpected fields {sorted(unknown)}")
    if "role" in fields and fields["role"] not in Role.values:
        raise exceptions.ValidationError({"role": [f'"{fields["role"]}" is not a valid choice.']})
    new_role = fields.get("role")
    new_active = fields.get("is_active")
    if (new_role is not None and new_role != Role.ADMIN) or new_active is False:
        # Lock every active admin row (in pk order: no deadlock between two demotions).
        admins = list(
            User.objects.select_for_update()
            .filter(role=Role.ADMIN, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if user.pk in admins and len(admins) <= 1:
            raise LastActiveAdmin()
    current = User.objects.select_for_update().get(pk=user.pk)
    changed: list[str] = []
    if "email" in fields:
        email = User.objects.normalize_email(fields["email"])
        if email != current.email:
            if _email_taken(email, exclude_pk=current.pk):
                raise _email_taken_error()
            current.email = email
            current.email_verified = False  # the new address is not proven yet
            changed += ["email", "email_verified"]
    if "name" in fields and fields["name"] != current.name:
        current.name = fields["name"]
        changed.append("name")
    role_changed = new_role is not None and new_role != current.role
    active_changed = new_active is not None and new_active != current.is_active
    if role_changed:
        current.role = new_role
        changed.append("role")
    if active_changed:
        current.is_active = new_active
        changed.append("is_active")
    if not changed:
        return current
    try:
        with transaction.atomic():
            current.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise _email_taken_error() from None
    if role_changed or (active_changed and not current.is_active):
        _end_all_sessions(current)
    if role_changed or active_changed:
        invalidate(users=[current.pk], boxers=_profile_ids(current) if active_changed else [])
    return current


def user_deactivate(*, user: User) -> User:
    """Deactivate a user (admin action): sessions and rights end on the next request."""
    return user_update(user=user, is_active=False)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete a user (Django admin). Its cached facts die on commit, as do its profile's and
    those of clubs it owned (their owner becomes empty)."""
    boxers = _profile_ids(user)
    clubs = list(Club.objects.filter(owner_id=user.pk).values_list("pk", flat=True))
    user_id = user.pk
    user.delete()
    invalidate(users=[user_id], boxers=boxers, clubs=clubs)


# --- Sessions (refresh-token rows) --------------------------------------------------------


def _from_epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _issue(user: User, *, family: uuid.UUID, parent_jti: str = "") -> TokenPair:
    """Mint a refresh JWT, store its row (jti only, never the text) and a fresh access token."""
    refresh = RefreshJWT.for_user(user)
    RefreshToken.objects.create(
        jti=refresh[jwt_settings.JTI_CLAIM],
        user=user,
        family=family,
        parent_jti=parent_jti,
        expires_at=_from_epoch(refresh["exp"]),
    )
    return TokenPair(access=access_token_for(user), refresh=str(refresh))


def session_start(*, user: User) -> TokenPair:
    """A new login: a new refresh family and its first token, plus an access token."""
    return _issue(user, family=uuid.uuid4())


def _parse_refresh(raw: str) -> RefreshJWT:
    try:
        return RefreshJWT(raw)
    except (TokenError, TypeError, ValueError):
        raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid") from None


def _family_revoke(family) -> int:
    live = RefreshToken.objects.filter(family=family, revoked_at__isnull=True)
    return live.update(revoked_at=timezone.now())


def session_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotate a refresh token: exactly one caller wins (conditional UPDATE on the row).

    A token that was already rotated and is presented again revokes its whole family (reuse
    detection, logged as a security event). Raises AuthenticationFailed (401) otherwise.
    """
    token = _parse_refresh(raw_refresh)
    jti = str(token.get(jwt_settings.JTI_CLAIM, ""))
    now = timezone.now()
    new_jti = uuid.uuid4().hex
    with transaction.atomic():
        # Only the row's own columns in this WHERE: a join (e.g. user__is_active) turns it into
        # `jti IN (subquery)`, which PostgreSQL does not re-check after the row lock, and
        # several concurrent callers would win (caught by the 20-thread test).
        won = RefreshToken.objects.filter(
            jti=jti, revoked_at__isnull=True, replaced_by="", expires_at__gt=now
        ).update(revoked_at=now, replaced_by=new_jti)
        if won:
            row = RefreshToken.objects.select_related("user").get(jti=jti)
            if row.user.is_active:
                return _issue_child(row.user, row, new_jti)
            # Inactive user: the token is simply revoked (not rotated, so no reuse alarm later).
            RefreshToken.objects.filter(jti=jti).update(replaced_by="")
    # Lost: unknown, expired, revoked, rotated by someone else, or the user is inactive.
    row = RefreshToken.objects.filter(jti=jti).first()
    if row is not None and row.replaced_by:
        revoked = _family_revoke(row.family)
        security_logger.warning(
            "security: refresh token reuse detected user=%s family=%s jti=%s; family revoked (%d live)",
            row.user_id,
            row.family,
            jti[:8],
            revoked,
        )
    raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid")


def _issue_child(user: User, parent: RefreshToken, new_jti: str) -> TokenPair:
    refresh = RefreshJWT.for_user(user)
    refresh[jwt_settings.JTI_CLAIM] = new_jti
    RefreshToken.objects.create(
        jti=new_jti,
        user=user,
        family=parent.family,
        parent_jti=parent.jti,
        expires_at=_from_epoch(refresh["exp"]),
    )
    return TokenPair(access=access_token_for(user), refresh=str(refresh))


def session_end(*, user_id, raw_refresh: str) -> None:
    """Logout: the given refresh token (and its login family) dies. Idempotent.

    Raises AuthenticationFailed (401) for a token that is malformed or not the caller's.
    """
    token = _parse_refresh(raw_refresh)
    row = RefreshToken.objects.filter(jti=str(token.get(jwt_settings.JTI_CLAIM, ""))).first()
    if row is None or str(row.user_id) != str(user_id):
        raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid")
    _family_revoke(row.family)


def _end_all_sessions(user: User) -> None:
    """Bump token_version (kills access tokens) and revoke every refresh row. Caller invalidates."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    RefreshToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["token_version"])


@transaction.atomic
def user_logout_all(*, user: User) -> None:
    """Every refresh token and every access token of the user die (next request: 401)."""
    _end_all_sessions(user)
    invalidate(users=[user.pk])


# --- Login and its database-backed limiter ------------------------------------------------


def _login_rate() -> tuple[int, int] | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get("login")
    return None if rate is None else parse_rate(rate)


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


# --- Passwords ----------------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> TokenPair:
    """Change the password; every other session dies; returns the caller's new pair."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise exceptions.ValidationError({"current_password": ["The current password is wrong."]})
    errors = _password_errors(new_password, user)
    if errors:
        raise exceptions.ValidationError({"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    _end_all_sessions(user)
    invalidate(users=[user.pk])
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


def _mail_on_commit(*, to: str, subject: str, body: str) -> None:
    # A job in the caller's transaction (gone if it rolls back); a worker sends it, retrying
    # while SMTP is down. The request itself never talks to the mail server.
    jobs.enqueue_mail(to=to, subject=subject, body=body)


def password_reset_request(*, email: str) -> None:
    """Mail a reset link if an active account has this email; silent otherwise.

    The caller answers identically either way. The raw token exists only in the mail.
    """
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is None:
        return
    raw = _reset_token_create(user)
    minutes = settings.PASSWORD_RESET_TIMEOUT_MINUTES
    _mail_on_commit(
        to=user.email,
        subject="Reset your BoxerConnect password",
        body=(
            f"Hello {user.name},\n\nSomeone asked to reset the password of your BoxerConnect "
            f"account. Choose a new password here (the link works once, for {minutes} minutes):\n\n"
            f"{_reset_link(raw)}\n\nIf this was not you, ignore this email.\n"
        ),
    )


def send_set_password_email(*, user: User) -> None:
    """Mail a set-password link (the reset-token flow) to a user created without a password.

    Sent when the surrounding transaction commits.
    """
    raw = _reset_token_create(user)
    minutes = settings.PASSWORD_RESET_TIMEOUT_MINUTES
    _mail_on_commit(
        to=user.email,
        subject="Welcome to BoxerConnect: choose your password",
        body=(
            f"Hello {user.name},\n\nAn account was created for you on BoxerConnect. Choose your "
            f"password here (the link works once, for {minutes} minutes; afterwards use "
            f"'forgot password'):\n\n{_reset_link(raw)}\n"
        ),
    )


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
    errors = _password_errors(new_password, user)
    if errors:
        raise exceptions.ValidationError({"new_password": errors})
    if not PasswordResetToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise exceptions.ValidationError({"token": [INVALID_RESET]})  # a concurrent confirm won
    user.set_password(new_password)
    # Following the emailed link proves the address.
    user.email_verified = True
    user.save(update_fields=["password", "email_verified", "updated_at"])
    _end_all_sessions(user)
    invalidate(users=[user.pk])
    return user


# --- Housekeeping -------------------------------------------------------------------------


@transaction.atomic
def tokens_purge(*, dry_run: bool = False) -> dict[str, int]:
    """Delete expired refresh rows, expired or used reset tokens and stale login failures.

    Revoked-but-unexpired refresh rows are kept: they still detect reuse. Returns counts.
    """
    now = timezone.now()
    rate = _login_rate()
    window = rate[1] if rate else 0
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
