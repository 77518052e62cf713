"""JWT sessions: refresh-token rows (rotation with reuse detection), logout, logout-all."""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken as RefreshJWT

from accounts.models import RefreshToken, User
from accounts.tokens import access_token_for
from boxerconnect.cache.watch import rows_changed

security_logger = logging.getLogger("accounts.security")

INVALID_REFRESH = "Token is invalid, expired or revoked."


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


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
        return RefreshJWT(raw)  # type: ignore[arg-type]  # (the stubs miss the str form)
    except (TokenError, TypeError, ValueError):
        raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid") from None


def _jti(token: RefreshJWT) -> str:
    """The token's id as stored (a uuid4 hex); any other value, even in a correctly signed
    token (a NUL byte PostgreSQL refuses), is an invalid token: 401, never a 500."""
    jti = token.get(jwt_settings.JTI_CLAIM, "")
    if not isinstance(jti, str) or not 0 < len(jti) <= 64 or "\x00" in jti:
        raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid")
    return jti


def _family_revoke(family) -> int:
    live = RefreshToken.objects.filter(family=family, revoked_at__isnull=True)
    return live.update(revoked_at=timezone.now())


def session_refresh(*, raw_refresh: str) -> TokenPair:
    """Rotate a refresh token: exactly one caller wins (conditional UPDATE on the row).

    A token that was already rotated and is presented again revokes its whole family (reuse
    detection, logged as a security event). Raises AuthenticationFailed (401) otherwise.
    """
    jti = _jti(_parse_refresh(raw_refresh))
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
    lost = RefreshToken.objects.filter(jti=jti).first()
    if lost is not None and lost.replaced_by:
        revoked = _family_revoke(lost.family)
        security_logger.warning(
            "security: refresh token reuse detected user=%s family=%s jti=%s; family revoked (%d live)",
            lost.user_id,
            lost.family,
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
    row = RefreshToken.objects.filter(jti=_jti(_parse_refresh(raw_refresh))).first()
    if row is None or str(row.user_id) != str(user_id):
        raise exceptions.AuthenticationFailed(INVALID_REFRESH, code="token_not_valid")
    _family_revoke(row.family)


def end_all_sessions(user: User) -> None:
    """Bump token_version (kills access tokens) and revoke every refresh row."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    rows_changed.send(sender=User, rows=[user], fields=["token_version"])  # no signal from update()
    RefreshToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["token_version"])


@transaction.atomic
def user_logout_all(*, user: User) -> None:
    """Every refresh token and every access token of the user die (next request: 401)."""
    end_all_sessions(user)
