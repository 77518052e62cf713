"""Top-level routes: ops endpoints, admin, OpenAPI, and each app's /api/v1/ routes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from boxerconnect import views

urlpatterns = [
    path("", views.index_view, name="index"),
    path("health", views.health_view, name="health"),
    path("health/live", views.live_view, name="health-live"),
    path("health/ready", views.ready_view, name="health-ready"),
    path("metrics", views.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("boxers.urls")),
    path("api/v1/", include("clubs.urls")),
    path("api/v1/", include("permissions.urls")),
]

handler400 = "boxerconnect.views.bad_request"
handler403 = "boxerconnect.views.permission_denied"
handler404 = "boxerconnect.views.not_found"
handler500 = "boxerconnect.views.server_error"
