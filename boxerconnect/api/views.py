"""Base views every API view derives from.

They add two things to DRF's views, before authentication and permissions run:
- a method the view does not implement is 405 with `Allow`, for every caller (DRF would
  check permissions first and answer 401/403);
- one cache round trip reads everything the request needs (`permissions.checker.prime`):
  the authentication class primes with the token's user; an anonymous request is primed
  here, after authentication found no token.
A view with `replayable = True` has its warm GET responses replayed (api/replay.py): set it
only on a view whose GET answer comes from the facts and read models of that round trip
(SQL, a second round trip or a non-200 answer are detected and never replayed; anything
else the answer depended on would not be).
"""

from typing import Any

from rest_framework import exceptions, generics, views

from boxerconnect.api import replay
from permissions.checker import prime


class ApiMixin:
    replayable = False

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        return replay.replaying(cls, view) if cls.replayable else view

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower()
        if method not in ("head", "options") and not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def perform_authentication(self, request: Any) -> None:
        request.user  # noqa: B018 - authenticates (and primes, for a token's user)
        prime(request, self)


class Api(ApiMixin, views.APIView):
    """A plain API view."""


class GenericApi(ApiMixin, generics.GenericAPIView):
    """A view with serializer/queryset helpers."""


class ListApi(ApiMixin, generics.ListAPIView):
    """A paginated, filtered list (GET); subclasses may add other methods."""
