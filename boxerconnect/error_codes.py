"""Every `code` an error body can carry: its status, what it means, where it comes from.

An error body is `{"detail": "<a sentence for a person>", "code": "<one of these>"}`; only
validation errors (400) have the other shape, `{"<field>": ["message", ...]}`. This table is
the one list: docs/api.md prints it (tests/boxerconnect/test_error_codes.py holds the two
equal and triggers every code through the API) and the OpenAPI description carries it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    meaning: str
    endpoints: str


ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode(
        "parse_error",
        400,
        "The body is not valid JSON, or holds what no field can: nesting past the parser's "
        "depth, a number overflowing a float, a lone UTF-16 surrogate.",
        "any taking a body",
    ),
    ErrorCode("bad_request", 400, "The request itself is malformed (e.g. its Content-Length).", "any"),
    ErrorCode(
        "not_accepting_members",
        400,
        "The club does not take new members at the moment.",
        "POST /api/v1/clubs/{id}/membership-requests/",
    ),
    ErrorCode(
        "incompatible",
        400,
        "A bout between these boxers is not allowed: different genders, weights too far apart, "
        "or an under-18 too far apart in age (the `detail` says which).",
        "POST /api/v1/sparring-requests/",
    ),
    ErrorCode(
        "incomplete_profile",
        400,
        "The boxer has no gender or weight yet, which matching needs.",
        "GET /api/v1/boxers/{id}/suggestions/",
    ),
    ErrorCode(
        "not_authenticated",
        401,
        "No credentials: send `Authorization: Bearer <access>`.",
        "every endpoint that needs a login; GET /metrics without its METRICS_TOKEN",
    ),
    ErrorCode(
        "authentication_failed",
        401,
        "Wrong email or password, or the account is deactivated (one answer for all three).",
        "POST /api/v1/auth/login/",
    ),
    ErrorCode(
        "token_not_valid",
        401,
        "The access or refresh token is malformed, expired or revoked; a reused refresh token "
        "also ends its whole login.",
        "every endpoint that needs a login; POST /api/v1/auth/refresh/",
    ),
    ErrorCode(
        "token_revoked",
        401,
        "The access token was valid, but the user has since logged out everywhere, changed or "
        "reset the password, changed role or been deactivated: log in again.",
        "every endpoint that needs a login",
    ),
    ErrorCode(
        "metrics_not_public",
        403,
        "Debug is off and the server has no METRICS_TOKEN (nor METRICS_PUBLIC=true): nobody may "
        "read its metrics.",
        "GET /metrics",
    ),
    ErrorCode(
        "permission_denied",
        403,
        "The caller can see the object, but its relationship to it does not allow this "
        "(the `detail` says who may).",
        "every endpoint that changes an object",
    ),
    ErrorCode(
        "role_not_allowed",
        403,
        "The caller's role can never do this (e.g. a coach asking to join a club, a boxer "
        "recording a fight, a non-admin on /admin/); the `detail` says which role can.",
        "every endpoint with a role rule",
    ),
    ErrorCode(
        "boxer_profile_required",
        403,
        "Only a user with a boxer profile can do this: create one with POST /api/v1/boxers/.",
        "POST /api/v1/clubs/{id}/membership-requests/",
    ),
    ErrorCode(
        "admin_only",
        403,
        "A field only an admin may change was sent (`is_verified`, a club's `owner`).",
        "PATCH /api/v1/boxers/{id}/, PATCH /api/v1/clubs/{id}/",
    ),
    ErrorCode(
        "not_found",
        404,
        "No such object, or one the caller may not see (existence is not revealed), or a page past the end.",
        "any",
    ),
    ErrorCode("method_not_allowed", 405, "The endpoint does not offer this method (see `Allow`).", "any"),
    ErrorCode("not_acceptable", 406, "The `Accept` header asks for something other than JSON.", "any"),
    ErrorCode(
        "profile_exists",
        409,
        "The user already has a boxer profile (possibly deleted: it is kept, not recreated).",
        "POST /api/v1/boxers/",
    ),
    ErrorCode(
        "link_exists",
        409,
        "A link between this coach and this boxer already exists (pending or active).",
        "POST /api/v1/coach-links/",
    ),
    ErrorCode(
        "link_not_pending",
        409,
        "Only a pending link can be accepted or declined (remove an active one with DELETE).",
        "POST /api/v1/coach-links/{id}/accept/, POST /api/v1/coach-links/{id}/decline/",
    ),
    ErrorCode(
        "coach_in_another_club",
        409,
        "The coach already coaches at another club (a coach coaches at one club at most: it "
        "leaves that one first).",
        "POST /api/v1/clubs/{id}/coaches/, POST /api/v1/clubs/{id}/coaches/{user_id}/accept/",
    ),
    ErrorCode(
        "coach_already_invited",
        409,
        "The coach is already invited to, or coaching at, this club.",
        "POST /api/v1/clubs/{id}/coaches/",
    ),
    ErrorCode(
        "not_invited",
        409,
        "There is no pending invitation to answer: the coach already accepted it (leave the club "
        "with DELETE instead).",
        "POST /api/v1/clubs/{id}/coaches/{user_id}/accept/, "
        "POST /api/v1/clubs/{id}/coaches/{user_id}/decline/",
    ),
    ErrorCode(
        "already_member",
        409,
        "The boxer is already a member of this club.",
        "POST /api/v1/clubs/{id}/membership-requests/",
    ),
    ErrorCode(
        "membership_pending",
        409,
        "The caller has already asked to join this club and the request is still pending.",
        "POST /api/v1/clubs/{id}/membership-requests/",
    ),
    ErrorCode(
        "membership_not_pending",
        409,
        "The membership request was already approved, rejected or cancelled.",
        "POST /api/v1/membership-requests/{id}/approve/, POST /api/v1/membership-requests/{id}/reject/, "
        "DELETE /api/v1/membership-requests/{id}/",
    ),
    ErrorCode(
        "requester_without_profile",
        409,
        "The requester deleted their boxer profile since asking, so they cannot join.",
        "POST /api/v1/membership-requests/{id}/approve/",
    ),
    ErrorCode(
        "availability_overlap",
        409,
        "The slot overlaps another slot of the same boxer.",
        "POST /api/v1/boxers/{id}/availability/, PATCH /api/v1/boxers/{id}/availability/{slot_id}/",
    ),
    ErrorCode(
        "open_request_exists",
        409,
        "The two boxers already have a pending request, or an accepted one not yet ended, "
        "between them (either direction).",
        "POST /api/v1/sparring-requests/",
    ),
    ErrorCode(
        "request_not_pending",
        409,
        "Only a pending sparring request can be accepted or declined.",
        "POST /api/v1/sparring-requests/{id}/accept/, POST /api/v1/sparring-requests/{id}/decline/",
    ),
    ErrorCode(
        "request_expired",
        409,
        "The sparring request expired before it was answered (it is now `expired`).",
        "POST /api/v1/sparring-requests/{id}/accept/, POST /api/v1/sparring-requests/{id}/decline/",
    ),
    ErrorCode(
        "request_not_cancellable",
        409,
        "Only a pending request, or an accepted one not yet started, can be cancelled.",
        "POST /api/v1/sparring-requests/{id}/cancel/",
    ),
    ErrorCode(
        "request_not_completable",
        409,
        "Only an accepted session that has ended can be marked completed.",
        "POST /api/v1/sparring-requests/{id}/complete/",
    ),
    ErrorCode(
        "last_active_admin",
        409,
        "The last active admin cannot be deactivated or given another role.",
        "PATCH /api/v1/admin/users/{id}/",
    ),
    ErrorCode("request_too_large", 413, "The body is larger than DJANGO_MAX_BODY_BYTES.", "any"),
    ErrorCode("unsupported_media_type", 415, "The body is not `application/json`.", "any taking a body"),
    ErrorCode(
        "throttled",
        429,
        "Too many requests (or too many failed logins); retry after `Retry-After` seconds.",
        "any; POST /api/v1/auth/login/ after 5 failures per email and IP in 15 minutes, or 20 "
        "per email in an hour",
    ),
    ErrorCode("server_error", 500, "A bug: logged with the request id (`X-Request-ID`).", "any"),
    ErrorCode(
        "database_unavailable",
        503,
        "The database cannot be reached; retry shortly.",
        "any",
    ),
)

BY_CODE = {error.code: error for error in ERROR_CODES}


def markdown_table() -> str:
    """The table as docs/api.md and the OpenAPI description print it."""
    rows = ["| code | status | meaning | endpoints |", "|---|---|---|---|"]
    rows += [f"| `{e.code}` | {e.status} | {e.meaning} | {e.endpoints} |" for e in ERROR_CODES]
    return "\n".join(rows)
