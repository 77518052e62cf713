"""OpenAPI: describe CachedJWTAuthentication as the Bearer JWT security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class CachedJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CachedJWTAuthentication"
    match_subclasses = True
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106 - the scheme name
            bearer_format="JWT",
        )
