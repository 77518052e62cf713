"""The real routes plus a few views that exist only to provoke errors in tests."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from boxerconnect.urls import handler400, handler403, handler404, handler500
from boxerconnect.urls import urlpatterns as real

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class EchoApi(APIView):
    """POST JSON, get it back (DRF parsing: malformed JSON, media type, size)."""

    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(exclude=True)
    def post(self, request):
        return Response({"received": request.data})


class BoomApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(exclude=True)
    def get(self, request):
        raise RuntimeError("a bug in a DRF view")


class BoomWithBodyApi(APIView):
    """POST anything: parses the body (as DRF does for every API call), then fails with the
    body in the exception message, the worst case for what an error report could carry."""

    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(exclude=True)
    def post(self, request):
        raise RuntimeError(f"a bug while handling {request.data}")


def boom_plain(request):
    raise RuntimeError("a bug in a plain Django view")


@csrf_exempt
def body_plain(request):
    return HttpResponse(str(len(request.body)))


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField()


class UserEmailListApi(generics.ListAPIView):
    """A plain paginated list, to test the project-wide pagination."""

    permission_classes = [AllowAny]
    throttle_classes = []
    serializer_class = EmailSerializer
    queryset = User.objects.order_by("email")


urlpatterns = [
    path("test/users/", UserEmailListApi.as_view()),
    path("test/echo/", EchoApi.as_view()),
    path("test/boom/", BoomApi.as_view()),
    path("test/boom-with-body/", BoomWithBodyApi.as_view()),
    path("test/boom-plain/", boom_plain),
    path("test/body-plain/", body_plain),
    *real,
]
