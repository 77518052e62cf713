"""JWT authentication whose per-request user check is served from the permission cache.

The access token's signature and expiry are checked locally; its `tv` claim must equal the
user's current token_version, and the user must be active. Both come from the cached
UserFact, read by `permissions.checker.prime` in the same round trip as everything else the
request needs, so a warm authenticated request costs no SQL for auth or authorization, and
one round trip.
"""

import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from rest_framework import HTTP_HEADER_ENCODING, exceptions
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from permissions.checker import prime

TOKEN_VERSION_CLAIM = "tv"  # noqa: S105 - a claim name, not a secret

# Access tokens this process verified (signature, type, claims), by their exact bytes and the
# key and algorithm they were verified with: the same bytes verify the same way until they
# expire, so a client's next request skips decoding and HMAC (about a sixth of a warm
# request's CPU, bench/warm_path.py). The time claims are checked again on every use;
# revocation never depended on this (the `tv` claim against the user fact, every request).
# Bounded by a clear when full.
_verified: dict[tuple[Any, ...], tuple[Any, float, float]] = {}
_VERIFIED_MAX = 10_000


def _leeway() -> float:
    leeway = jwt_settings.LEEWAY
    return leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway or 0)


def user_from_fact(fact) -> object:
    """A User instance carrying the cached fields; other fields load lazily if touched."""
    User = get_user_model()
    known = {
        "id": UUID(fact.id),
        "role": fact.role,
        "is_active": fact.is_active,
        "token_version": fact.token_version,
    }
    names = [f.attname for f in User._meta.concrete_fields if f.attname in known]
    return User.from_db("default", names, [known[n] for n in names])


class CachedJWTAuthentication(JWTAuthentication):
    """Bearer access tokens; rejects revoked ones (token_version) on the next request."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        validated = self.get_validated_token(raw_token)
        return self.get_user_from_token(request, validated), validated

    @classmethod
    def verified_credentials(cls, request) -> bool:
        """Does the request carry no bearer token, or one this process has verified and
        that is valid now (boxerconnect/api/replay.py replays only then; the `tv` claim
        is the user fact's business, in the bytes the replay compares)?"""
        header = request.META.get(jwt_settings.AUTH_HEADER_NAME)
        if header is None:
            return True
        parts = header.encode(HTTP_HEADER_ENCODING).split()
        if len(parts) != 2 or parts[0] not in AUTH_HEADER_TYPE_BYTES:
            return False
        key = (
            parts[1],
            jwt_settings.SIGNING_KEY,
            jwt_settings.VERIFYING_KEY,
            jwt_settings.ALGORITHM,
        )
        found = _verified.get(key)
        if found is None:
            return False
        _token, issued, expires = found
        now, leeway = time.time(), _leeway()
        return issued - leeway <= now < expires + leeway

    def get_raw_token(self, header):
        """The token of `Bearer <token>`. Any other `Bearer ...` header is a malformed token:
        401 `token_not_valid`, a code clients know (docs/api.md), not simplejwt's unlisted
        `bad_authorization_header` (make fuzz found it)."""
        try:
            return super().get_raw_token(header)
        except exceptions.AuthenticationFailed:
            raise InvalidToken() from None

    def get_validated_token(self, raw_token):
        key = (raw_token, jwt_settings.SIGNING_KEY, jwt_settings.VERIFYING_KEY, jwt_settings.ALGORITHM)
        found = _verified.get(key)
        if found is not None:
            token, issued, expires = found
            now, leeway = time.time(), _leeway()
            if issued - leeway <= now < expires + leeway:
                return token
        token = super().get_validated_token(raw_token)  # raises for anything not valid now
        try:
            issued, expires = float(token.get("iat", 0)), float(token["exp"])
        except (KeyError, TypeError, ValueError):
            return token  # valid, but not with times this memo can check again: not memoised
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = (token, issued, expires)
        return token

    def get_user_from_token(self, request, validated):
        try:
            user_id = UUID(str(validated[jwt_settings.USER_ID_CLAIM]))
            version = int(validated[TOKEN_VERSION_CLAIM])
        except (KeyError, ValueError, TypeError, OverflowError):
            raise exceptions.AuthenticationFailed(
                "Token contained no recognizable user identification", code="token_not_valid"
            ) from None
        fact = prime(request, actor_id=user_id)
        if fact is None or not fact.is_active or fact.token_version != version:
            raise exceptions.AuthenticationFailed(
                "Token has been revoked or the user is inactive.", code="token_revoked"
            )
        return user_from_fact(fact)
