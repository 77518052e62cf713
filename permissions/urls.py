"""URL routes of the permissions app (mounted under /api/v1/)."""

from django.urls import path

from permissions.apis import PermissionCheckApi

urlpatterns = [
    path("permissions/check/", PermissionCheckApi.as_view(), name="permission-check"),
]
