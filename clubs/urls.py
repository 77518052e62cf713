"""URL routes of the clubs app (mounted under /api/v1/)."""

urlpatterns: list = []
