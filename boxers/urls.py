"""URL routes of the boxers app (mounted under /api/v1/)."""

urlpatterns: list = []
