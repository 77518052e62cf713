"""Access-token minting: the claims every access token carries."""

from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import TOKEN_VERSION_CLAIM


def access_token_for(user) -> str:
    """A signed access JWT for `user`, bound to its current token_version."""
    token = AccessToken.for_user(user)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return str(token)
