"""The OpenAPI document (drf-spectacular), as API clients need it: docs/clients.md.

`AutoSchema` gives every operation its summary (SUMMARIES), its tag (by path), its real
security and the error responses it can answer, derived from the view rather than written
per view:
- 400: a validation body when the operation takes a body or query filters, `parse_error` when
  it takes a body, `bad_request` always (a malformed request: gunicorn's and the middleware's
  own 400s), and the 400 codes boxerconnect/error_codes.py names it in;
- 401: every operation that authenticates a token (required: `Unauthenticated`; optional, on
  an endpoint anonymous callers may use: a bad token sent anyway), and the codes the table
  names it in (login, refresh);
- 403: from the actions it checks (the view's `required_action(s)`, plus `body_actions`,
  those its method checks on objects the body names): `role_not_allowed` when a role may never
  attempt one, `permission_denied` when a relationship decides it;
- 404: a path with an id, a paginated list (a page past the end), an object named in the
  body, and NOT_FOUND_TOO;
- 409 and every other specific code: the table's `endpoints`;
- 429: every throttled view (`Throttled`, with `Retry-After`).
The postprocessing hooks add the shared components, the non-DRF ops endpoints, and fix
what the generator gets wrong for clients (nullable references without a type, boolean
parameters with string enums).
"""

import re
from copy import deepcopy
from typing import Any

from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework.permissions import AllowAny, IsAuthenticated

from boxerconnect.error_codes import BY_CODE, ERROR_CODES, markdown_table
from boxerconnect.schema_examples import COMPONENT_EXAMPLES, OPS_PATHS
from permissions.actions import ANONYMOUS, RESOURCE_OF, ROLE_GRANTS, Action

ERRORS = """## Errors

Every error is JSON. Validation errors (400) name the fields: `{"<field>": ["message", ...]}`
(or `non_field_errors`). Every other error is `{"detail": "<a sentence for a person>",
"code": "<one of the codes below>"}`: branch on `code`, show `detail`.
A path without its trailing slash answers 308 to the path with it (method and body kept).

"""

METHODS = ("get", "put", "post", "patch", "delete")

# One line per operation: what it does, as a client's method name would say it.
SUMMARIES: dict[str, str] = {
    "POST /api/v1/auth/register/": "Register an account",
    "POST /api/v1/auth/login/": "Log in",
    "POST /api/v1/auth/refresh/": "Refresh the token pair (rotation)",
    "POST /api/v1/auth/logout/": "Log out one session",
    "POST /api/v1/auth/logout-all/": "Log out everywhere",
    "GET /api/v1/auth/me/": "Get the caller's account",
    "PATCH /api/v1/auth/me/": "Update the caller's account",
    "POST /api/v1/auth/password/change/": "Change the password",
    "POST /api/v1/auth/password/reset/": "Request a password reset mail",
    "POST /api/v1/auth/password/reset/confirm/": "Set a new password with a reset token",
    "GET /api/v1/notifications/": "List the caller's notifications",
    "GET /api/v1/notifications/unread-count/": "Count unread notifications",
    "POST /api/v1/notifications/read-all/": "Mark every notification read",
    "POST /api/v1/notifications/{id}/read/": "Mark a notification read",
    "GET /api/v1/admin/users/": "List users (admin)",
    "POST /api/v1/admin/users/": "Create a user (admin)",
    "GET /api/v1/admin/users/{id}/": "Get a user (admin)",
    "PATCH /api/v1/admin/users/{id}/": "Update a user (admin)",
    "GET /api/v1/admin/stats/": "Get platform statistics (admin)",
    "GET /api/v1/boxers/": "Search the boxer directory",
    "POST /api/v1/boxers/": "Create the caller's boxer profile",
    "GET /api/v1/boxers/me/": "Get the caller's boxer profile",
    "GET /api/v1/boxers/{id}/": "Get a boxer profile",
    "PATCH /api/v1/boxers/{id}/": "Update a boxer profile",
    "DELETE /api/v1/boxers/{id}/": "Delete a boxer profile",
    "POST /api/v1/boxers/{id}/leave-club/": "Leave the boxer's club",
    "GET /api/v1/boxers/{id}/fights/": "List a boxer's fights",
    "POST /api/v1/boxers/{id}/fights/": "Record a fight",
    "GET /api/v1/boxers/{id}/fights/{fight_id}/": "Get a fight",
    "PATCH /api/v1/boxers/{id}/fights/{fight_id}/": "Update a fight",
    "DELETE /api/v1/boxers/{id}/fights/{fight_id}/": "Delete a fight",
    "GET /api/v1/boxers/{id}/availability/": "List a boxer's availability slots",
    "POST /api/v1/boxers/{id}/availability/": "Add an availability slot",
    "PATCH /api/v1/boxers/{id}/availability/{slot_id}/": "Update an availability slot",
    "DELETE /api/v1/boxers/{id}/availability/{slot_id}/": "Delete an availability slot",
    "GET /api/v1/boxers/{id}/suggestions/": "Suggest sparring partners",
    "GET /api/v1/sparring-requests/": "List sparring requests",
    "POST /api/v1/sparring-requests/": "Propose a sparring session or bout",
    "GET /api/v1/sparring-requests/{id}/": "Get a sparring request",
    "POST /api/v1/sparring-requests/{id}/accept/": "Accept a sparring request",
    "POST /api/v1/sparring-requests/{id}/decline/": "Decline a sparring request",
    "POST /api/v1/sparring-requests/{id}/cancel/": "Cancel a sparring request",
    "POST /api/v1/sparring-requests/{id}/complete/": "Mark a sparring session completed",
    "GET /api/v1/coach-links/": "List the caller's coach links",
    "POST /api/v1/coach-links/": "Request a coach link",
    "GET /api/v1/coach-links/{id}/": "Get a coach link",
    "PATCH /api/v1/coach-links/{id}/": "Change a coach link's rights",
    "DELETE /api/v1/coach-links/{id}/": "Remove a coach link",
    "POST /api/v1/coach-links/{id}/accept/": "Accept a coach link",
    "POST /api/v1/coach-links/{id}/decline/": "Decline a coach link",
    "GET /api/v1/clubs/": "Search the club directory",
    "POST /api/v1/clubs/": "Create a club (admin)",
    "GET /api/v1/clubs/regions/": "List club regions",
    "GET /api/v1/clubs/mine/": "List the clubs the caller owns",
    "GET /api/v1/clubs/{id}/": "Get a club",
    "PATCH /api/v1/clubs/{id}/": "Update a club",
    "DELETE /api/v1/clubs/{id}/": "Delete a club (admin)",
    "PUT /api/v1/clubs/{id}/owner/": "Set a club's owner (admin)",
    "GET /api/v1/clubs/{id}/members/": "List a club's boxers and coaches",
    "DELETE /api/v1/clubs/{id}/boxers/{boxer_id}/": "Remove a boxer from a club",
    "POST /api/v1/clubs/{id}/coaches/": "Invite a coach to a club",
    "DELETE /api/v1/clubs/{id}/coaches/{user_id}/": "Remove a coach from a club, or leave it",
    "POST /api/v1/clubs/{id}/coaches/{user_id}/accept/": "Accept a club's coach invitation",
    "POST /api/v1/clubs/{id}/coaches/{user_id}/decline/": "Decline a club's coach invitation",
    "POST /api/v1/clubs/{id}/boxer-accounts/": "Create a boxer account in a club",
    "GET /api/v1/clubs/{id}/membership-requests/": "List a club's membership requests",
    "POST /api/v1/clubs/{id}/membership-requests/": "Ask to join a club",
    "GET /api/v1/membership-requests/": "List the caller's membership requests",
    "GET /api/v1/membership-requests/{id}/": "Get a membership request",
    "DELETE /api/v1/membership-requests/{id}/": "Cancel a membership request",
    "POST /api/v1/membership-requests/{id}/approve/": "Approve a membership request",
    "POST /api/v1/membership-requests/{id}/reject/": "Reject a membership request",
    "GET /api/v1/permissions/check/": "Check whether the caller may do an action",
}

# Path prefix → tag, most specific first (the first match wins).
TAG_RULES: tuple[tuple[str, str], ...] = (
    (r"^/api/v1/auth/", "auth"),
    (r"^/api/v1/boxers/\{id\}/fights/", "fights"),
    (r"^/api/v1/boxers/\{id\}/(availability|suggestions)/", "sparring"),
    (r"^/api/v1/sparring-requests/", "sparring"),
    (r"^/api/v1/boxers/", "boxers"),
    (r"^/api/v1/coach-links/", "coach links"),
    (r"^/api/v1/clubs/\{id\}/membership-requests/", "membership"),
    (r"^/api/v1/membership-requests/", "membership"),
    (r"^/api/v1/clubs/", "clubs"),
    (r"^/api/v1/notifications/", "notifications"),
    (r"^/api/v1/permissions/", "permissions"),
    (r"^/api/v1/admin/", "admin"),
    (r"^/(health|metrics|$)", "ops"),
)

# Operations that answer 404 for a reason the view's shape does not show.
NOT_FOUND_TOO = {"GET /api/v1/boxers/me/": "The caller has no boxer profile."}

# Actions whose only denial is "invisible" (404): a caller who can see the object may do it.
VISIBILITY_ONLY = {
    Action.BOXER_VIEW,
    Action.CLUB_VIEW,
    Action.COACH_LINK_VIEW,
    Action.MEMBERSHIP_VIEW,
    Action.SPARRING_VIEW,
}
ROLES = [role for role in ROLE_GRANTS if role not in (ANONYMOUS,)]

_OPERATION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s,]+)")
PAGINATION_PARAMETERS = {"page", "page_size"}


def tag_for(path: str) -> str | None:
    return next((tag for pattern, tag in TAG_RULES if re.search(pattern, path)), None)


def _normalized(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def table_codes(method: str, path: str) -> list[str]:
    """The codes boxerconnect/error_codes.py names this operation in (its `endpoints`)."""
    key = (method.upper(), _normalized(path))
    return [
        error.code
        for error in ERROR_CODES
        if any((m, _normalized(p)) == key for m, p in _OPERATION.findall(error.endpoints))
    ]


def table_operations() -> set[tuple[str, str]]:
    """Every (method, normalized path) the table names: each must exist (tested)."""
    return {(m, _normalized(p)) for e in ERROR_CODES for m, p in _OPERATION.findall(e.endpoints)}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_example(code: str) -> dict[str, Any]:
    error = BY_CODE[code]
    return {"summary": f"{error.status} {code}", "value": {"detail": error.meaning, "code": code}}


def error_response(description: str, codes: list[str], validation: dict | None = None) -> dict[str, Any]:
    """A response with its error body: `ErrorBody` (an example per code), `ValidationErrorBody`
    (`validation` is its example), or one of the two."""
    schemas: list[dict[str, Any]] = (
        [_ref("schemas", "ValidationErrorBody")] if validation is not None else []
    ) + ([_ref("schemas", "ErrorBody")] if codes else [])
    examples: dict[str, Any] = {code: _error_example(code) for code in codes}
    if validation is not None:
        examples = {"validation": {"summary": "400 invalid fields", "value": validation}, **examples}
    schema: dict[str, Any] = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
    lines = [description] + [f"- `{code}`: {BY_CODE[code].meaning}" for code in codes]
    return {
        "description": "\n".join(lines),
        "content": {"application/json": {"schema": schema, "examples": examples}},
    }


def allows_anonymous(permission: Any, view: Any) -> bool:
    """May an anonymous caller pass this permission (for the view's mock request's method)?"""
    from permissions.checker import required_action
    from permissions.drf import ActionPermission
    from permissions.rules import role_may

    if isinstance(permission, AllowAny):
        return True
    if isinstance(permission, ActionPermission):
        action = required_action(view, view.request)
        return action is not None and role_may(None, action)
    if isinstance(permission, IsAuthenticated):
        return False
    warn(f"{type(permission).__name__}: unknown to boxerconnect.schema, documented as needing a token")
    return False


class AutoSchema(BaseAutoSchema):
    """drf-spectacular's AutoSchema plus summary, tag, security and errors per operation."""

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def get_summary(self) -> str | None:
        summary = SUMMARIES.get(self.key)
        if summary is None:
            warn(f"{self.key}: no summary in boxerconnect.schema.SUMMARIES")
        return summary

    def get_tags(self) -> list[str]:
        tag = tag_for(self.path)
        if tag is None:
            warn(f"{self.key}: no tag in boxerconnect.schema.TAG_RULES")
            return super().get_tags()
        return [tag]

    def anonymous_allowed(self) -> bool:
        return all(allows_anonymous(p, self.view) for p in self.view.get_permissions())

    def get_auth(self) -> list[dict[str, list[str]]]:
        schemes = [scheme for scheme in super().get_auth() if scheme]
        if schemes and self.anonymous_allowed():
            return [*schemes, {}]
        return schemes

    def checked_actions(self) -> list[Action]:
        from permissions.checker import required_action

        declared = required_action(self.view, self.view.request)
        in_body = getattr(self.view, "body_actions", {}).get(self.method, ())
        return [*([declared] if declared is not None else []), *in_body]

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        operation.setdefault("security", [])  # none: explicit, not "whatever the root says"
        derived = self.error_responses(operation)
        responses = operation["responses"]
        for status in sorted(derived):
            responses.setdefault(status, derived[status])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_responses(self, operation: dict[str, Any]) -> dict[str, Any]:
        codes: dict[int, list[str]] = {}
        for code in table_codes(self.method, self.path):
            codes.setdefault(BY_CODE[code].status, []).append(code)
        responses: dict[str, Any] = {}
        has_body = "requestBody" in operation
        filters = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p["name"] not in PAGINATION_PARAMETERS
        ]

        # 400
        # `bad_request` may answer any request (a malformed Content-Length, a request line
        # over gunicorn's limit): every operation documents it.
        bad = (["parse_error"] if has_body else []) + codes.pop(400, []) + ["bad_request"]
        if has_body or filters or bad:
            field = self._first_field(operation) or (filters[0] if filters else None)
            validation = {field: ["This field is required." if has_body else "Enter a valid value."]}
            responses["400"] = error_response(
                "The request is invalid: a validation body names the fields"
                + (", or an error body says why." if bad else "."),
                bad,
                validation if (has_body or filters) else None,
            )

        # 401
        security = operation.get("security", [])
        unauthorized = codes.pop(401, [])
        if {} not in security and security:
            responses["401"] = _ref("responses", "Unauthenticated")
        elif security:  # anonymous allowed, but a token sent is checked
            responses["401"] = error_response(
                "A token was sent but is invalid, expired or revoked (send none to call anonymously).",
                ["token_not_valid", "token_revoked"],
            )
        elif unauthorized:
            responses["401"] = error_response("Not authenticated.", unauthorized)

        # 403
        forbidden = list(codes.pop(403, []))
        for action in self.checked_actions():
            if any(action not in ROLE_GRANTS[role] for role in ROLES):
                forbidden.append("role_not_allowed")
            if RESOURCE_OF[action] is not None and action not in VISIBILITY_ONLY:
                forbidden.append("permission_denied")
        if forbidden:
            ordered = [code for code in BY_CODE if code in forbidden]
            responses["403"] = error_response(
                "The caller may not do this (the `detail` says who may).", ordered
            )

        # 404
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
        in_body = any(
            RESOURCE_OF[a] is not None for a in getattr(self.view, "body_actions", {}).get(self.method, ())
        )
        if "{" in self.path or paginated or in_body or self.key in NOT_FOUND_TOO:
            responses["404"] = _ref("responses", "NotFound")
        codes.pop(404, None)

        # 409 and any other specific status
        for status, listed in sorted(codes.items()):
            if status == 429:
                continue
            responses[str(status)] = error_response(
                "The request conflicts with the current state." if status == 409 else "Refused.", listed
            )

        # 429
        if self.view.get_throttles() or 429 in codes:
            responses["429"] = _ref("responses", "Throttled")
        return responses

    def _first_field(self, operation: dict[str, Any]) -> str | None:
        """The first property of the request body's schema (for the validation example)."""
        content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref")
        if ref is None:
            return None
        component = self.registry._components.get((ref.rsplit("/", 1)[-1], "schemas"))
        properties = (component.schema or {}).get("properties", {}) if component else {}
        return next(iter(properties), None)


# --- Postprocessing hooks ----------------------------------------------------------------------


def describe_error_codes(result, generator, request, public):
    """drf-spectacular postprocessing hook: append the error-code table to info.description."""
    info = result.setdefault("info", {})
    info["description"] = f"{info.get('description', '')}\n\n{ERRORS}{markdown_table()}".strip()
    return result


def error_components() -> tuple[dict[str, Any], dict[str, Any]]:
    """The shared schemas and responses every operation's errors refer to."""
    schemas = {
        "ErrorCode": {
            "type": "string",
            "enum": [error.code for error in ERROR_CODES],
            "description": "What went wrong, for the program: branch on it (the table in the description).",
        },
        "ErrorBody": {
            "type": "object",
            "description": "Every error but a validation error.",
            "properties": {
                "detail": {
                    "type": "string",
                    "description": "A sentence for a person (its wording may improve).",
                },
                "code": _ref("schemas", "ErrorCode"),
            },
            "required": ["detail", "code"],
            "example": {"detail": BY_CODE["not_found"].meaning, "code": "not_found"},
        },
        "ValidationErrorBody": {
            "type": "object",
            "description": 'A 400 naming the invalid fields: `{"<field>": ["message", ...]}`, '
            "`non_field_errors` for the body as a whole; a nested field or a list item nests the same way.",
            "minProperties": 1,
            "additionalProperties": {
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object", "additionalProperties": {}},
                ]
            },
            "example": {"email": ["Enter a valid email address."]},
        },
    }
    unauthenticated = error_response(
        "No valid token: send `Authorization: Bearer <access>`; refresh an expired one, or log in again.",
        ["not_authenticated", "token_not_valid", "token_revoked"],
    )
    unauthenticated["headers"] = {
        "WWW-Authenticate": {"description": "The scheme to use: `Bearer`.", "schema": {"type": "string"}}
    }
    not_found = error_response(
        "No such object, or one the caller may not see (its existence is not revealed), "
        "or a page past the end.",
        ["not_found"],
    )
    throttled = error_response("Too many requests: retry after `Retry-After` seconds.", ["throttled"])
    throttled["headers"] = {
        "Retry-After": {
            "required": True,
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
    responses = {"Unauthenticated": unauthenticated, "NotFound": not_found, "Throttled": throttled}
    return schemas, responses


def _component_type(result: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """The type a schema made of references has (its first referenced component's)."""
    for part in schema.get("allOf", []) + schema.get("oneOf", []):
        ref = part.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            target = result["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            if target.get("type"):
                return str(target["type"])
            if target.get("enum") and all(isinstance(v, str) for v in target["enum"] if v is not None):
                return "string"
    return None


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def for_clients(result, generator, request, public):
    """drf-spectacular postprocessing hook: the document as client generators need it.

    - the shared error components, and examples of the main bodies (schema_examples.py);
    - the ops endpoints (plain Django views the generator does not see);
    - a nullable reference gets the type of what it refers to (OpenAPI 3.0 needs one);
    - a boolean parameter keeps no string enum (`true`/`false` are its values).
    """
    components = result.setdefault("components", {})
    schemas, responses = error_components()
    components.setdefault("schemas", {}).update(schemas)
    components["responses"] = {**components.get("responses", {}), **responses}
    for name, example in COMPONENT_EXAMPLES.items():
        if name in components["schemas"]:
            components["schemas"][name]["example"] = deepcopy(example)
        else:
            warn(f"schema_examples.COMPONENT_EXAMPLES names {name}, which the document does not have")
    result["paths"] = {**result.get("paths", {}), **deepcopy(OPS_PATHS)}
    result["paths"] = dict(sorted(result["paths"].items()))
    for node in _walk(result):
        if node.get("nullable") and "type" not in node:
            found = _component_type(result, node)
            if found:
                node["type"] = found
        if node.get("type") == "boolean" and "enum" in node:
            del node["enum"]
    components.setdefault("securitySchemes", {})["metricsToken"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's METRICS_TOKEN (GET /metrics only).",
    }
    components["schemas"] = dict(sorted(components["schemas"].items()))
    components["responses"] = dict(sorted(components["responses"].items()))
    return result
