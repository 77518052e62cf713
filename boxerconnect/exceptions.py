"""JSON error bodies for every failure: DRF exceptions, database outages, oversized bodies.

Shape (docs/api.md): validation errors are `{"field": ["message"]}`; every other error is
`{"detail": "...", "code": "..."}`.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = {
    "detail": "The service is temporarily unavailable. Please retry shortly.",
    "code": "database_unavailable",
}
TOO_LARGE = {"detail": "Request body too large.", "code": "request_too_large"}
INVALID_TOKEN = "The access token is invalid or has expired: refresh it, or log in again."  # noqa: S105


def is_database_outage(exc: BaseException) -> bool:
    """True for errors meaning "the database is unreachable", not for bad queries."""
    return isinstance(exc, OperationalError | InterfaceError)


def api_exception_handler(exc, context):
    """DRF's handler plus `code` on detail errors, 503 for outages, 413 for big bodies."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(TOO_LARGE, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif is_database_outage(exc):
        logger.error("database unavailable: %s", type(exc).__name__)
        return Response(DATABASE_UNAVAILABLE, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    elif isinstance(exc, DatabaseError):
        return None  # a real bug: let it surface as a logged 500 (JSON via middleware)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InvalidToken) and isinstance(response.data, dict):
        # simplejwt's own words ("Given token not valid for any token type") say nothing to do.
        response.data["detail"] = INVALID_TOKEN
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        detail = response.data.get("detail")
        if detail is not None and "code" not in response.data:
            codes = exc.get_codes()
            response.data["code"] = codes if isinstance(codes, str) else exc.default_code
    return response


class Conflict(exceptions.APIException):
    """409: the request conflicts with the current state (duplicate, wrong status).

    Raise it with a specific `code` from boxerconnect/error_codes.py (docs/api.md lists them).
    """

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class BadRequest(exceptions.APIException):
    """400 for a request that is well formed but refused by the state of the resource
    (validation errors keep their `{"field": [...]}` body)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)
