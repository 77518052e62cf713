"""Request ids, request logging, HTTP metrics, trailing-slash redirects, JSON for errors outside DRF."""

import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import escape_leading_slashes

from boxerconnect import metrics
from boxerconnect.api.errors import (
    DATABASE_UNAVAILABLE,
    TOO_LARGE,
    is_database_outage,
)
from boxerconnect.request_context import request_id_var

request_log = logging.getLogger("boxerconnect.requests")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _user_id(request) -> str | None:
    """The authenticated user's id, without any lookup of its own: DRF stores the user it
    authenticated on the request; the admin's lazy session user counts only once a view
    has evaluated it (reading it here would cost a session query on every request)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = getattr(user, "_wrapped", empty)  # the lazy object's own slot: no evaluation
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or match.route) if match else "unmatched"


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID or makes one; echoes it; logs one line a request
    with its id, user id, route name, method, path, status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request_log.isEnabledFor(logging.INFO):
                duration = (time.perf_counter() - started) * 1000
                route, user_id = _route(request), _user_id(request)
                request_log.info(
                    "%s %s %s %.1fms route=%s user=%s",
                    request.method,
                    request.path,
                    response.status_code,
                    duration,
                    route,
                    user_id or "-",
                    extra={
                        "request_id": request_id,
                        "user_id": user_id,
                        "route": route,
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(duration, 1),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


class MetricsMiddleware:
    """Counts requests and observes latency by view name (route, never the raw path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else "unmatched"
        metrics.HTTP_REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(request.method, view).observe(time.perf_counter() - started)
        return response


# Bodies for error responses Django itself produces as HTML or empty (require_GET's 405, a
# CSRF failure's 403, ...): the same {"detail", "code"} shape DRF views answer with.
_ERROR_BODIES = {
    400: ("Bad request.", "bad_request"),
    401: ("Authentication credentials were not provided.", "not_authenticated"),
    403: ("Forbidden.", "permission_denied"),
    404: ("Not found.", "not_found"),
    405: ("Method not allowed.", "method_not_allowed"),
    406: ("Not acceptable.", "not_acceptable"),
    413: (TOO_LARGE["detail"], TOO_LARGE["code"]),
    415: ("Unsupported media type.", "unsupported_media_type"),
    429: ("Request was throttled.", "throttled"),
    500: ("Internal server error.", "server_error"),
    503: (DATABASE_UNAVAILABLE["detail"], DATABASE_UNAVAILABLE["code"]),
}


class JsonErrorMiddleware:
    """JSON for every error: oversized bodies (413, checked before any view reads them),
    database outages outside DRF (503), and non-JSON error responses from Django itself.

    DRF's JSON parser reads the request stream directly, which bypasses Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE check on `request.body`; the Content-Length check here
    enforces the limit for every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(
                {"detail": "Invalid Content-Length header.", "code": "bad_request"}, status=400
            )
        if limit is not None and length > limit:
            return JsonResponse(TOO_LARGE, status=413)
        return self._as_json(request, self.get_response(request))

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return JsonResponse(DATABASE_UNAVAILABLE, status=503)
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(TOO_LARGE, status=413)
        return None

    @staticmethod
    def _as_json(request, response):
        if response.status_code < 400 or response.streaming:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if getattr(getattr(response, "accepted_renderer", None), "format", None) == "api":
            return response  # DRF's browsable API (debug mode only) renders its own errors
        detail, code = _ERROR_BODIES.get(response.status_code, ("Request failed.", "error"))
        if response.status_code == 405:
            detail = f'Method "{request.method}" not allowed.'
        response.content = json.dumps({"detail": detail, "code": code}).encode()
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class AppendSlashMiddleware(CommonMiddleware):
    """Django's CommonMiddleware, except that a path which exists only with a trailing slash
    answers 308 Permanent Redirect to it, for every method and whatever DJANGO_DEBUG says.

    Django answers 301 there, which clients follow with a GET (a POST's body is lost), and in
    debug raises a RuntimeError for POST/PUT/PATCH (a 500). A 308 keeps the method and the
    body; its JSON body names the right path for a client that does not follow redirects.
    """

    def get_full_path_with_slash(self, request) -> str:
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))

    def response_redirect_class(  # type: ignore[override]  # Django calls it like the class it replaces
        self, location: str
    ) -> HttpResponsePermanentRedirect:
        path = location.split("?", 1)[0]
        body = {
            "detail": f"This path ends with a slash: {path} (resent there with the same method and body).",
            "code": "trailing_slash_required",
        }
        return HttpResponsePermanentRedirect(
            location,
            preserve_request=True,
            content=json.dumps(body).encode(),
            content_type="application/json",
        )
