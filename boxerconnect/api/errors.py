"""JSON error bodies for every failure: DRF exceptions, database outages, oversized bodies.

Shape (docs/api.md): validation errors are `{"field": ["message"]}`; every other error is
`{"detail": "...", "code": "..."}`.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
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

    # Imported here: rest_framework.views loads the authentication classes, which import the
    # checker, which raises this module's exceptions.
    from rest_framework.views import exception_handler

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


@contextmanager
def model_errors_as_400() -> Iterator[None]:
    """A model's full_clean() failing inside a service is the client's input: 400, not 500."""
    try:
        yield
    except ModelValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise exceptions.ValidationError(detail) from None
