"""JWT authentication whose per-request user check is served from the permission cache.

The access token's signature and expiry are checked locally; its `tv` claim must equal the
user's current token_version, and the user must be active. Both come from the cached
UserFact, read by `permissions.checker.prime` in the same round trip as everything else the
request needs, so a warm authenticated request costs no SQL for auth or authorization, and
one round trip.
"""

from uuid import UUID

from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from permissions.checker import prime

TOKEN_VERSION_CLAIM = "tv"  # noqa: S105 - a claim name, not a secret


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
