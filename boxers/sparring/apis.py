"""HTTP API of sparring: availability, requests, suggestions (thin views over services).

Every view declares its action; "acts for" is decided by permissions on cached facts, so a
warm request spends no SQL on authentication or authorization (tests count it).
"""

from typing import Any, cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from boxerconnect.api.canonical import CanonicalPagination, query_of
from boxerconnect.api.errors import BadRequest
from boxerconnect.api.views import Api, GenericApi, ListApi
from boxerconnect.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from boxers import selectors as boxer_selectors
from boxers.models import Availability, SparringRequest
from boxers.serializers import BoxerOutputSerializer
from boxers.sparring import readmodels, selectors, services
from boxers.sparring.serializers import (
    DEFAULT_WINDOW_DAYS,
    ResponseInputSerializer,
    SlotEntrySerializer,
    SlotInputSerializer,
    SlotOutputSerializer,
    SparringRequestFilterSerializer,
    SparringRequestInputSerializer,
    SparringRequestOutputSerializer,
    SuggestionQuerySerializer,
    WindowInputSerializer,
)
from boxers.sparring.suggestions import Criteria, IncompleteProfile, suggestions
from clubs.models import Club
from permissions.actions import Action
from permissions.checker import authorizer_for, primed_actor_id, store_for
from permissions.drf import ActionPermission
from permissions.facts import ClubFact, SparringObject
from permissions.rules import decide_club
from permissions.store import FactRef


def _user(request: Request) -> User:
    """The signed-in caller (the views' permissions have required one)."""
    return cast(User, request.user)


def _club_for(request: Request, club_id: Any) -> Club | None:
    """The club a slot or a session names: one the caller can view (404 otherwise)."""
    if club_id is None:
        return None
    authorizer_for(request).require(Action.CLUB_VIEW, club_id)
    return Club.objects.get(pk=club_id)


# --- Availability ---------------------------------------------------------------------------------


def _slot_body(request: Request, slot: Availability) -> Any:
    """A slot as the caller sees it (its club only when the caller may view it)."""
    return SlotOutputSerializer(slot, context={"actor": authorizer_for(request).actor}).data


def _slot_as_seen(actor: Any, slot: dict[str, Any]) -> dict[str, Any]:
    """A cached slot (its club with the facts `club.view` reads) as `actor` sees it."""
    club = slot["club"]
    if club is not None:
        fact = ClubFact(
            id=club["id"],
            owner_id=club["owner_id"],
            is_published=club["is_published"],
            accepting_members=club["accepting_members"],
        )
        club = (
            {"id": club["id"], "name": club["name"]} if decide_club(actor, Action.CLUB_VIEW, fact) else None
        )
    return {**slot, "club": club}


class AvailabilityListApi(ListApi):
    """GET: a boxer's slots in a window (availability.view). POST: add one (availability.manage)."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # GET in the default window serves the availability read model (boxers/sparring/
    # readmodels.py) and shows each slot's club to the callers `club.view` allows, from the
    # facts stored with it: warm, no SQL and no round trip of its own.

    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.AVAILABILITY_VIEW, "POST": Action.AVAILABILITY_MANAGE}
    serializer_class = SlotOutputSerializer
    filter_backends: list[Any] = []
    filterset_class = readmodels.AvailabilityQuery  # the canonical page (links, cache key)
    pagination_class = CanonicalPagination
    _page_key: tuple[str | None, tuple[str, ...]] | None = None

    def page_key(self, request: Any) -> tuple[str | None, tuple[str, ...]]:
        if self._page_key is None:
            query = query_of(self.paginator, request, readmodels.AvailabilityQuery)
            self._page_key = readmodels.availability_page_key(request, self.kwargs["pk"], query)
        return self._page_key

    def read_model_keys(self, request: Any) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return readmodels.lookup_keys(*self.page_key(request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key, gens = self.page_key(request)

        def compute() -> dict[str, Any]:
            until = None
            if key is not None:  # only a stored page needs to know when it goes stale
                now = timezone.now()  # before the page's own: a change between them is a miss
                until = selectors.availability_window_changes(
                    boxer_id=self.kwargs["pk"], now=now, days=DEFAULT_WINDOW_DAYS
                )
            slots = self.paginate_queryset(self.get_queryset())
            page = self.get_paginated_response(SlotEntrySerializer(slots, many=True).data).data
            return {"page": page, "until": None if until is None else until.timestamp()}

        page = readmodels.availability_page(key, gens, compute, store_for(request))["page"]
        actor = authorizer_for(request).actor
        return Response({**page, "results": [_slot_as_seen(actor, slot) for slot in page["results"]]})

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "actor": authorizer_for(self.request).actor}

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SparringRequest.objects.none()
        window = WindowInputSerializer(data=self.request.query_params)
        window.is_valid(raise_exception=True)
        span = window.validated_data
        return selectors.availability_window(boxer_id=self.kwargs["pk"], start=span["from"], end=span["to"])

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="ISO 8601 with offset; default now"),
            OpenApiParameter(
                "to", OpenApiTypes.DATETIME, description="ISO 8601 with offset; default from + 30 days (≤ 90)"
            ),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=SlotInputSerializer, responses={201: SlotOutputSerializer})
    def post(self, request: Request, pk: Any) -> Response:
        params = SlotInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        club = _club_for(request, data.pop("club", None))
        slot = services.availability_create(boxer=boxer_selectors.boxer_get(boxer_id=pk), club=club, **data)
        return Response(_slot_body(request, slot), status=status.HTTP_201_CREATED)


class AvailabilityDetailApi(Api):
    """Change or remove one slot of the boxer (availability.manage); another boxer's slot is 404."""

    permission_classes = [ActionPermission]
    required_action = Action.AVAILABILITY_MANAGE

    @extend_schema(request=SlotInputSerializer, responses=SlotOutputSerializer)
    def patch(self, request: Request, pk: Any, slot_id: Any) -> Response:
        slot = selectors.availability_get(boxer_id=pk, slot_id=slot_id)
        params = SlotInputSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if "club" in data:
            data["club"] = _club_for(request, data["club"])
        slot = services.availability_update(slot=slot, data=data)
        return Response(_slot_body(request, slot))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, slot_id: Any) -> Response:
        services.availability_delete(slot=selectors.availability_get(boxer_id=pk, slot_id=slot_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Suggestions ----------------------------------------------------------------------------------

SUGGESTION_FIELDS: dict[str, serializers.Field] = {
    "boxer": BoxerOutputSerializer(),
    "score": serializers.IntegerField(min_value=0, max_value=100),
    "reasons": serializers.ListField(child=serializers.CharField()),
    "distance_km": serializers.FloatField(allow_null=True),
    "weight_diff_kg": serializers.FloatField(),
    "bouts_diff": serializers.IntegerField(),
    "experience_gap": serializers.IntegerField(),
    "overlapping_slots": serializers.IntegerField(),
}


class SuggestionsApi(Api):
    """Sparring partners for a boxer, scored (acts for the boxer: sparring.request)."""

    permission_classes = [ActionPermission]
    required_action = Action.SPARRING_REQUEST

    @extend_schema(
        parameters=[SuggestionQuerySerializer],
        responses=inline_serializer(
            "SparringSuggestions",
            {"results": inline_serializer("SparringSuggestion", SUGGESTION_FIELDS, many=True)},
        ),
    )
    def get(self, request: Request, pk: Any) -> Response:
        params = SuggestionQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        boxer = boxer_selectors.boxer_get(boxer_id=pk)
        try:
            found = suggestions(
                boxer=boxer, criteria=Criteria(**params.validated_data), actor=authorizer_for(request).actor
            )
        except IncompleteProfile:
            raise BadRequest(
                "Set the boxer's gender and weight to get suggestions.", code="incomplete_profile"
            ) from None
        profiles = BoxerOutputSerializer([item["boxer"] for item in found], many=True).data
        results = [{**item, "boxer": profile} for item, profile in zip(found, profiles, strict=True)]
        return Response({"results": results})


# --- Requests -------------------------------------------------------------------------------------


class SparringRequestListApi(ListApi):
    """GET: requests where the caller acts for either side. POST: propose one (acts for from_boxer)."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    permission_classes = [IsAuthenticated]
    serializer_class = SparringRequestOutputSerializer
    filter_backends: list[Any] = []
    filterset_class = readmodels.SparringRequestQuery  # the canonical query (links, cache key)
    pagination_class = CanonicalPagination
    throttle_scope = "sparring"
    # Checked in post() on the boxers and the club the body names.
    body_actions = {"POST": (Action.SPARRING_REQUEST, Action.BOXER_VIEW, Action.CLUB_VIEW)}
    _page_key: tuple[str | None, tuple[str, ...]] | None = None

    def page_key(self, request: Any) -> tuple[str | None, tuple[str, ...]]:
        """The caller's page key and its generations (boxers/sparring/readmodels.py), worked
        out once per request: first by `prime`, before authentication is over."""
        if self._page_key is None:
            query = query_of(self.paginator, request, readmodels.SparringRequestQuery)
            day = timezone.localdate()
            self._page_key = readmodels.request_page_key(request, primed_actor_id(request), query, day)
        return self._page_key

    def read_model_keys(self, request: Any) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return readmodels.lookup_keys(*self.page_key(request))

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":  # proposing is rate limited; reading is not
            return [AnonRateThrottle(), UserRateThrottle(), ScopedRateThrottle()]
        return super().get_throttles()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SparringRequest.objects.none()
        params = SparringRequestFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.sparring_request_list(
            actor=authorizer_for(self.request).actor, **params.validated_data
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page of the caller's requests, from the read model while nothing it shows was
        written and no pending request in it has expired (boxers/sparring/readmodels.py)."""
        key, gens = self.page_key(request)

        def compute() -> dict[str, Any]:
            params = SparringRequestFilterSerializer(data=request.query_params)
            params.is_valid(raise_exception=True)
            until = None
            if key is not None:  # only a stored page needs to know when it goes stale
                now = timezone.now()  # before the page's own: an expiry between them is a miss
                until = selectors.sparring_request_next_expiry(
                    actor=authorizer_for(request).actor, now=now, **params.validated_data
                )
            page = super(SparringRequestListApi, self).list(request).data
            return {
                "page": page,
                "until": None if until is None else until.timestamp(),
                "by_boxer": "boxer" in params.validated_data,
            }

        return Response(readmodels.request_page(key, gens, compute, store_for(request))["page"])

    @extend_schema(parameters=[SparringRequestFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    @extend_schema(request=SparringRequestInputSerializer, responses={201: SparringRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        params = SparringRequestInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        authorizer = authorizer_for(request)
        authorizer.require(Action.SPARRING_REQUEST, data["from_boxer"])
        if data["to_boxer"] == data["from_boxer"]:
            raise ValidationError({"to_boxer": ["A boxer cannot spar with itself."]})
        target = authorizer.check(Action.BOXER_VIEW, data["to_boxer"])
        fact = authorizer.store.get(FactRef.boxer(data["to_boxer"]))
        if (
            not target.visible
            or fact is None
            or not (fact.is_active and fact.is_searchable and fact.owner_active)
        ):
            raise NotFound("No such boxer takes sparring requests.")
        venue = _club_for(request, data.pop("venue_club", None))
        created = services.sparring_request_create(
            created_by=_user(request),
            from_boxer=boxer_selectors.boxer_get(boxer_id=data.pop("from_boxer")),
            to_boxer=boxer_selectors.boxer_get(boxer_id=data.pop("to_boxer")),
            venue_club=venue,
            **data,
        )
        body = SparringRequestOutputSerializer(selectors.sparring_request_get(request_id=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class SparringRequestObjectApi(GenericApi):
    """Loads the request of the URL and checks the view's declared sparring action on it."""

    permission_classes = [IsAuthenticated, ActionPermission]
    serializer_class = SparringRequestOutputSerializer

    def get_object(self) -> SparringRequest:
        found = selectors.sparring_request_get(request_id=self.kwargs["pk"])
        self.check_object_permissions(self.request, found)
        return found

    def permission_object(self, found: SparringRequest) -> SparringObject:
        return SparringObject(from_boxer_id=str(found.from_boxer_id), to_boxer_id=str(found.to_boxer_id))

    def respond(self, changed: SparringRequest) -> Response:
        return Response(
            SparringRequestOutputSerializer(selectors.sparring_request_get(request_id=changed.pk)).data
        )


class SparringRequestDetailApi(SparringRequestObjectApi):
    """One request, for those who act for either side (others: 404)."""

    required_action = Action.SPARRING_VIEW

    def get(self, request: Request, pk: Any) -> Response:
        return Response(SparringRequestOutputSerializer(self.get_object()).data)


class _SparringAnswerApi(SparringRequestObjectApi):
    """The requested side answers a pending request with `answer` (a service)."""

    required_action = Action.SPARRING_RESPOND
    answer: Any

    @extend_schema(request=ResponseInputSerializer, responses=SparringRequestOutputSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        found = self.get_object()
        params = ResponseInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return self.respond(self.answer(request=found, user=_user(request), **params.validated_data))


class SparringRequestAcceptApi(_SparringAnswerApi):
    """The requested side accepts a pending request."""

    answer = staticmethod(services.sparring_request_accept)


class SparringRequestDeclineApi(_SparringAnswerApi):
    """The requested side declines a pending request."""

    answer = staticmethod(services.sparring_request_decline)


class SparringRequestCancelApi(SparringRequestObjectApi):
    """The requesting side cancels (pending, or accepted and not yet started)."""

    required_action = Action.SPARRING_CANCEL

    @extend_schema(request=None, responses=SparringRequestOutputSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        cancelled = services.sparring_request_cancel(request=self.get_object(), user=_user(request))
        return self.respond(cancelled)


class SparringRequestCompleteApi(SparringRequestObjectApi):
    """Either side marks an accepted session completed once it has ended."""

    required_action = Action.SPARRING_COMPLETE

    @extend_schema(request=None, responses=SparringRequestOutputSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        return self.respond(
            services.sparring_request_complete(request=self.get_object(), user=_user(request))
        )
