"""Operational endpoints (health, metrics) and JSON error handlers; no auth, no DRF."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

import boxerconnect
from boxerconnect import health, metrics


def read_only(view):
    """GET and HEAD only: any other method is a 405 with `Allow: GET, HEAD`.

    CSRF-exempt, or CsrfViewMiddleware would answer a POST or an unknown method (QUERY) 403
    before the view could say 405 (make fuzz found it); these views change nothing and read
    no cookie, so there is nothing for CSRF to protect.
    """
    return csrf_exempt(require_safe(view))


@read_only
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
@read_only
def health_view(request):
    body, code = health.health_report()
    return JsonResponse(body, status=code)


@never_cache
@read_only
def live_view(request):
    return JsonResponse({"status": "ok"})


@never_cache
@read_only
def ready_view(request):
    database = health.database_status()
    ready = database["status"] == "up"
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "services": {"database": database}},
        status=200 if ready else 503,
    )


@never_cache
@read_only
def metrics_view(request):
    if not settings.METRICS_ENABLED:
        return not_found(request)
    refused = _metrics_refusal(request)
    if refused is not None:
        return refused
    body, content_type = metrics.render(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type)


def _metrics_refusal(request) -> JsonResponse | None:
    """Who may scrape: with METRICS_TOKEN set, bearers of it only; without one, everyone in
    debug mode or with METRICS_PUBLIC=true, and nobody otherwise (403)."""
    token = settings.METRICS_TOKEN
    if not token:
        if settings.DEBUG or settings.METRICS_PUBLIC:
            return None
        return JsonResponse(
            {
                "detail": "Metrics are not public: set METRICS_TOKEN (or METRICS_PUBLIC=true).",
                "code": "metrics_not_public",
            },
            status=403,
        )
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if hmac.compare_digest(supplied.encode(), token.encode()):
        return None
    response = JsonResponse({"detail": "Metrics token required.", "code": "not_authenticated"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request):
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "Forbidden.", "code": "permission_denied"}, status=403)
