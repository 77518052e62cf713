"""Request ids, request logging, HTTP metrics and JSON for errors outside DRF views."""

import logging
import re
import time
import uuid

from django.core.exceptions import RequestDataTooBig

from boxerconnect import metrics
from boxerconnect.exceptions import (
    DATABASE_UNAVAILABLE,
    TOO_LARGE,
    is_database_outage,
)
from boxerconnect.request_context import request_id_var

request_log = logging.getLogger("boxerconnect.requests")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID or makes one; echoes it; logs one line a request."""

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
            request_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            return response
        finally:
            request_id_var.reset(token)


class MetricsMiddleware:
    """Counts requests and observes latency by view name (route, never the raw path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else "unmatched"
        metrics.HTTP_REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(request.method, view).observe(time.perf_counter() - started)
        return response


class JsonErrorMiddleware:
    """Turns database outages and oversized bodies outside DRF into JSON 503/413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import JsonResponse

        if is_database_outage(exception):
            return JsonResponse(DATABASE_UNAVAILABLE, status=503)
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(TOO_LARGE, status=413)
        return None
