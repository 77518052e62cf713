"""GET /api/v1/permissions/check/: lets clients show or hide buttons."""

from functools import lru_cache
from typing import Any
from uuid import UUID

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from boxerconnect.api.views import Api
from boxers.models import SparringRequest
from permissions.actions import RESOURCE_OF, Action
from permissions.checker import authorizer_for, refs_for
from permissions.facts import SparringObject
from permissions.store import FactRef

RESOURCE_TYPES = ["boxer", "club", "sparring_request"]
CHECKABLE = {action for action, kind in RESOURCE_OF.items() if kind in RESOURCE_TYPES}


class CheckInputSerializer(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(choices=sorted(a.value for a in CHECKABLE))
    resource_type = serializers.ChoiceField(choices=RESOURCE_TYPES)
    resource_id = serializers.UUIDField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if RESOURCE_OF[Action(attrs["action"])] != attrs["resource_type"]:
            raise serializers.ValidationError(
                {
                    "resource_type": [
                        f"{attrs['action']} is checked on a {RESOURCE_OF[Action(attrs['action'])]}."
                    ]
                }
            )
        return attrs


@lru_cache(maxsize=4096)
def _checked(query_string: str) -> tuple[dict[str, Any] | None, Any]:
    """(validated parameters, None) or (None, the errors) of a check's query string.

    A pure function of the string (no database), memoised per process: building and
    validating the serializer twice a request (the prefetch and the answer) was about a third
    of a warm check's CPU (bench/warm_path.py). Bounded (LRU): junk strings evict each other.
    Callers read the dict and never change it."""
    params = CheckInputSerializer(data=QueryDict(query_string))
    if params.is_valid():
        return params.validated_data, None
    return None, params.errors


def _params(request: Request) -> dict[str, Any]:
    """The request's validated parameters; a 400 with the serializer's errors if invalid."""
    data, errors = _checked(request.META.get("QUERY_STRING", ""))
    if data is None:
        raise serializers.ValidationError(errors)
    return data


class PermissionCheckApi(Api):
    """May the caller do `action` to the resource? Answers like the real request would."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    permission_classes = [AllowAny]

    def permission_refs(self, request: Request, actor_id: UUID | str | None) -> list[FactRef]:
        """Prefetch the checked facts with the caller's own (one cache round trip in all)."""
        data, _errors = _checked(request.META.get("QUERY_STRING", ""))
        if data is None:
            return []
        if data["resource_type"] == "sparring_request":
            return [] if actor_id is None else [FactRef.user(actor_id)]  # its sides come with its row
        return refs_for(actor_id, Action(data["action"]), data["resource_id"])

    @extend_schema(
        parameters=[
            OpenApiParameter("action", str, required=True, enum=sorted(a.value for a in CHECKABLE)),
            OpenApiParameter("resource_type", str, required=True, enum=RESOURCE_TYPES),
            OpenApiParameter("resource_id", OpenApiTypes.UUID, required=True),
        ],
        responses=inline_serializer(
            "PermissionCheck", {"allowed": serializers.BooleanField(), "reason": serializers.CharField()}
        ),
    )
    def get(self, request: Request) -> Response:
        data = _params(request)
        action, resource_id = Action(data["action"]), data["resource_id"]
        if data["resource_type"] == "sparring_request":
            sides = (
                SparringRequest.objects.filter(pk=resource_id)
                .values_list("from_boxer_id", "to_boxer_id")
                .first()
            )
            if sides is None:
                return Response({"allowed": False, "reason": "not found"})
            decision = authorizer_for(request).check(action, obj=SparringObject(str(sides[0]), str(sides[1])))
        else:
            decision = authorizer_for(request).check(action, resource_id)
        # An invisible resource gets one reason whatever the cause: existence is not revealed.
        reason = decision.reason if decision.visible else "not found"
        return Response({"allowed": decision.allowed, "reason": reason})
