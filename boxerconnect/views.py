"""Operational endpoints (health, metrics) and JSON error handlers; no auth, no DRF."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

import boxerconnect
from boxerconnect import health, metrics


@require_safe
def index_view(request):
    """Where things are, for whoever opens the server's root URL."""
    return JsonResponse(
        {
            "name": "BoxerConnect API",
            "version": boxerconnect.__version__,
            "api": "/api/v1/",
            "docs": "/api/docs/",
            "schema": "/api/schema/",
            "health": "/health",
        }
    )


@never_cache
@require_safe
def health_view(request):
    body, code = health.health_report()
    return JsonResponse(body, status=code)


@never_cache
@require_safe
def live_view(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready_view(request):
    database = health.database_status()
    ready = database["status"] == "up"
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "services": {"database": database}},
        status=200 if ready else 503,
    )


@never_cache
@require_safe
def metrics_view(request):
    if not settings.METRICS_ENABLED:
        return not_found(request)
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), token.encode()):
            response = JsonResponse(
                {"detail": "Metrics token required.", "code": "not_authenticated"}, status=401
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body, content_type = metrics.render(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type)


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "Forbidden.", "code": "permission_denied"}, status=403)
