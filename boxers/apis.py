"""HTTP API of boxer profiles, fight records and coach links (thin views over services)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from boxerconnect.api.canonical import query_of
from boxerconnect.api.errors import model_errors_as_400
from boxerconnect.api.pagination import BoundedCountPagination
from boxerconnect.api.serializers import RefSerializer
from boxerconnect.api.views import Api, GenericApi, ListApi
from boxers import readmodels, selectors, services
from boxers.filters import BoxerFilter, DirectoryQuery
from boxers.models import CoachLinkStatus, CoachRight, ExperienceLevel, FightMethod, FightResult, Gender
from boxers.serializers import BoxerOutputSerializer, profile_entry, profile_for, profile_representation
from permissions.actions import Action
from permissions.checker import authorizer_for, primed_actor_id, store_for
from permissions.drf import ActionPermission
from permissions.facts import CoachLinkObject
from permissions.store import FactRef

# --- Serializers -----------------------------------------------------------------------------


def _not_in_future(value):
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError("Must not be in the future.")
    return value


class BoxerInputSerializer(serializers.Serializer):
    """Writable profile fields; `club` and the record are not among them (ignored if sent)."""

    name = serializers.CharField(max_length=150)
    weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(40), max_value=Decimal(200), allow_null=True
    )
    height_cm = serializers.IntegerField(min_value=120, max_value=230, allow_null=True)
    date_of_birth = serializers.DateField(allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True)
    city = serializers.CharField(max_length=100, allow_blank=True)
    country = serializers.CharField(max_length=100, allow_blank=True)
    experience_level = serializers.ChoiceField(choices=ExperienceLevel.choices)
    bio = serializers.CharField(max_length=2000, allow_blank=True)
    is_searchable = serializers.BooleanField()

    def validate_date_of_birth(self, value):
        if value is not None and value >= timezone.localdate():
            raise serializers.ValidationError("Must be in the past.")
        return value


class BoxerUpdateInputSerializer(BoxerInputSerializer):
    is_verified = serializers.BooleanField(help_text="Admins only: anyone else sending it gets 403.")


class FightOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    boxer_id = serializers.UUIDField()
    opponent_name = serializers.CharField()
    date = serializers.DateField()
    venue = serializers.CharField()
    result = serializers.ChoiceField(choices=FightResult.choices)
    method = serializers.ChoiceField(choices=FightMethod.choices, allow_blank=True)
    round = serializers.IntegerField(allow_null=True)
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()


class FightInputSerializer(serializers.Serializer):
    opponent_name = serializers.CharField(max_length=150)
    date = serializers.DateField(validators=[_not_in_future])
    venue = serializers.CharField(max_length=200, allow_blank=True, required=False)
    result = serializers.ChoiceField(choices=FightResult.choices)
    method = serializers.ChoiceField(choices=FightMethod.choices, allow_blank=True, required=False)
    round = serializers.IntegerField(min_value=1, max_value=12, allow_null=True, required=False)
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class CoachLinkOutputSerializer(serializers.Serializer):
    """A coach link. `boxer` is null for a caller who may not view the profile (its coach,
    once the boxer soft-deleted it or hid it before accepting)."""

    # Reads annotate `boxer_visible` in SQL (boxers/selectors.py, the rule of boxer.view).

    id = serializers.UUIDField()
    coach = RefSerializer()
    boxer = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=CoachLinkStatus.choices)
    rights = serializers.ListField(child=serializers.ChoiceField(choices=CoachRight.choices))
    created_at = serializers.DateTimeField()

    @extend_schema_field(
        RefSerializer(allow_null=True, help_text="Null when the caller may not view the profile.")
    )
    def get_boxer(self, link) -> dict | None:
        if not link.boxer_visible:
            return None
        return {"id": str(link.boxer_id), "name": link.boxer.name}


def _rights_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=CoachRight.choices), **kwargs)


class CoachLinkCreateInputSerializer(serializers.Serializer):
    boxer = serializers.UUIDField()
    rights = _rights_field(required=False, default=list)


class CoachLinkRightsInputSerializer(serializers.Serializer):
    rights = _rights_field()


class CoachLinkAcceptInputSerializer(serializers.Serializer):
    rights = _rights_field(required=False, help_text="Narrow the requested rights (never widen).")


# --- Views ------------------------------------------------------------------------------------


def _directory_query(paginator, request) -> DirectoryQuery | None:
    """The canonical form of a directory request, as `paginator` reads its page and size
    (memoised per process by query string: building the FilterSet was about 60 % of a warm
    page's CPU, bench/warm_path.py)."""
    return query_of(paginator, request, BoxerFilter)


class DirectoryPagination(BoundedCountPagination):
    """Page links built from the canonical query (boxers/filters.py, `DirectoryQuery`) that
    the page is cached under: unknown parameters dropped, one order, defaults left out. So
    every spelling of one query gets the same body, and the cache can key on that form.
    Counting stops at 1,000 matching rows (`BoundedCountPagination`: above, the count is an
    estimate, exact on the last page), so a page costs the same whatever the table's size."""

    def get_next_link(self):
        return self._link(self.page.next_page_number()) if self.page.has_next() else None

    def get_previous_link(self):
        return self._link(self.page.previous_page_number()) if self.page.has_previous() else None

    def _link(self, number):
        query = _directory_query(self, self.request)
        assert query is not None  # the page was found: its parameters are valid
        return self.request.build_absolute_uri(self.request.path) + query.query_string(page=number)


class BoxerListCreateApi(ListApi):
    """GET: the public directory (filters, orderings). POST: create the caller's own profile."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    serializer_class = BoxerOutputSerializer
    filterset_class = BoxerFilter
    pagination_class = DirectoryPagination
    required_actions = {"POST": Action.BOXER_CREATE}
    _directory: tuple[date, str | None, tuple[str, ...]] | None = None

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [ActionPermission()]

    def get_queryset(self):
        return selectors.boxer_search_queryset()

    def directory(self, request) -> tuple[date, str | None, tuple[str, ...]]:
        """The day this request's age groups are computed on, its page's cache key (None:
        not cached) and the generations the page is stamped with, worked out once per
        request."""
        if self._directory is None:
            day = timezone.localdate()
            query = _directory_query(self.paginator, request)
            key = readmodels.directory_page_key(request, query, day)
            gens = (
                readmodels.directory_generation_keys(query) if key is not None and query is not None else ()
            )
            self._directory = (day, key, gens)
        return self._directory

    def read_model_keys(self, request) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        _day, key, gens = self.directory(request)
        return readmodels.directory_lookup_keys(key, gens)

    def get_serializer_context(self):
        day = self._directory[0] if self._directory is not None else None
        return {**super().get_serializer_context(), "today": day}

    def list(self, request, *args, **kwargs):
        """A page of the directory, from the read-model cache while no boxer, club or user
        changed (keyed on its canonical query: see `readmodels.directory_page_key`)."""
        _day, key, gens = self.directory(request)
        data = readmodels.directory_page(
            key,
            gens,
            lambda: super(BoxerListCreateApi, self).list(request).data,
            store_for(request),
        )
        return Response(data)

    @extend_schema(request=BoxerInputSerializer, responses={201: BoxerOutputSerializer})
    def post(self, request):
        params = BoxerInputSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if "name" not in data:
            data["name"] = User.objects.only("name").get(pk=request.user.pk).name
        with model_errors_as_400():
            boxer = services.boxer_create(user=request.user, **data)
        boxer = selectors.boxer_get(boxer_id=boxer.pk)
        # The caller's own new profile: the owner may boxer.update it, so it sees its date of birth.
        body = profile_for(boxer, actor=authorizer_for(request).actor, show_private=True)
        return Response(body, status=status.HTTP_201_CREATED)


class BoxerMeApi(GenericApi):
    """The caller's own profile (with its date of birth), or 404."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # Served like the detail: the caller's user fact names the profile (soft-deleted too), its
    # boxer fact gives the date of birth, the profile read model the body; all read in the
    # request's one round trip when this process guessed the profile right
    # (`readmodels.own_profile_guess`), in one more when not. No SQL warm.

    serializer_class = BoxerOutputSerializer
    permission_classes = [IsAuthenticated]

    def permission_refs(self, request, actor_id) -> list[FactRef]:
        guess = readmodels.own_profile_guess(actor_id) if actor_id is not None else None
        return [] if guess is None else [FactRef.boxer(guess)]

    def read_model_keys(self, request) -> list[str]:
        actor_id = primed_actor_id(request)
        guess = readmodels.own_profile_guess(actor_id) if actor_id is not None else None
        return [] if guess is None else readmodels.profile_lookup_keys(guess)

    def get(self, request):
        store = store_for(request)
        actor = authorizer_for(request).actor
        assert actor is not None  # authenticated: its fact was found active
        boxer_id = actor.boxer_id
        readmodels.own_profile_seen(actor.id, boxer_id)
        if boxer_id is None:
            raise exceptions.NotFound("You have no boxer profile.")
        # Read along with the boxer's fact: nothing new when the guess was right.
        store.read_along(readmodels.profile_lookup_keys(boxer_id))
        fact = store.get(FactRef.boxer(boxer_id))
        if fact is None or fact.owner_id != actor.id:  # deleted or moved since the user fact was read
            raise exceptions.NotFound("You have no boxer profile.")
        entry = readmodels.profile(
            boxer_id, lambda: profile_entry(selectors.boxer_get(boxer_id=boxer_id)), store
        )
        body = profile_representation(entry, actor=actor, date_of_birth=fact.date_of_birth, show_private=True)
        return Response(body)


class BoxerDetailApi(GenericApi):
    """One profile: read (boxer.view), partial update (boxer.update), soft delete (boxer.delete).

    GET serves the profile read model (the public body, the same for every caller) and adds
    what this caller may see from the facts its permission check read in the request's one
    round trip: the age group of the day and the date of birth from the boxer's fact, an
    unpublished club by `club.view` on the club's fact in the entry. No SQL, no second trip.
    """

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    serializer_class = BoxerOutputSerializer
    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.BOXER_VIEW, "PATCH": Action.BOXER_UPDATE, "DELETE": Action.BOXER_DELETE}
    field_actions = {"is_verified": Action.BOXER_VERIFY}

    def read_model_keys(self, request) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return readmodels.profile_lookup_keys(self.kwargs["pk"])

    def get(self, request, pk):
        store = store_for(request)
        authorizer = authorizer_for(request)
        entry = readmodels.profile(pk, lambda: profile_entry(selectors.boxer_get(boxer_id=pk)), store)
        fact = store.get(FactRef.boxer(pk))  # read (and memoised) by the permission check
        body = profile_representation(
            entry,
            actor=authorizer.actor,
            date_of_birth=fact.date_of_birth,
            show_private=authorizer.check(Action.BOXER_UPDATE, pk).allowed,
        )
        return Response(body)

    @extend_schema(request=BoxerUpdateInputSerializer, responses=BoxerOutputSerializer)
    def patch(self, request, pk):
        params = BoxerUpdateInputSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        boxer = selectors.boxer_get(boxer_id=pk)
        with model_errors_as_400():
            boxer = services.boxer_update(boxer=boxer, data=dict(params.validated_data))
        # boxer.update was required: the caller may see the date of birth.
        return Response(profile_for(boxer, actor=authorizer_for(request).actor, show_private=True))

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.boxer_delete(boxer=selectors.boxer_get(boxer_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BoxerLeaveClubApi(Api):
    """The boxer leaves its club (boxer.leave_club)."""

    permission_classes = [ActionPermission]
    required_action = Action.BOXER_LEAVE_CLUB

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.boxer_leave_club(boxer=selectors.boxer_get(boxer_id=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FightListCreateApi(ListApi):
    """A boxer's fights, newest first (boxer.view); record a fight (fight.manage)."""

    serializer_class = FightOutputSerializer
    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.BOXER_VIEW, "POST": Action.FIGHT_MANAGE}

    def get_queryset(self):
        return selectors.fight_list(boxer_id=self.kwargs.get("pk"))

    @extend_schema(request=FightInputSerializer, responses={201: FightOutputSerializer})
    def post(self, request, pk):
        params = FightInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        boxer = selectors.boxer_get(boxer_id=pk)
        with model_errors_as_400():
            fight = services.fight_create(boxer=boxer, created_by=request.user, **params.validated_data)
        return Response(FightOutputSerializer(fight).data, status=status.HTTP_201_CREATED)


class FightDetailApi(GenericApi):
    """One fight of one boxer: read (boxer.view), change or delete (fight.manage)."""

    serializer_class = FightOutputSerializer
    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.BOXER_VIEW, "PATCH": Action.FIGHT_MANAGE, "DELETE": Action.FIGHT_MANAGE}

    def get(self, request, pk, fight_id):
        return Response(FightOutputSerializer(selectors.fight_get(boxer_id=pk, fight_id=fight_id)).data)

    @extend_schema(request=FightInputSerializer, responses=FightOutputSerializer)
    def patch(self, request, pk, fight_id):
        fight = selectors.fight_get(boxer_id=pk, fight_id=fight_id)
        params = FightInputSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        with model_errors_as_400():
            fight = services.fight_update(fight=fight, data=dict(params.validated_data))
        return Response(FightOutputSerializer(fight).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk, fight_id):
        services.fight_delete(fight=selectors.fight_get(boxer_id=pk, fight_id=fight_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CoachLinkListCreateApi(ListApi):
    """GET: the caller's links (as coach or boxer owner; admin: all). POST: a coach requests one."""

    serializer_class = CoachLinkOutputSerializer
    permission_classes = [IsAuthenticated]
    body_actions = {"POST": (Action.COACH_LINK_REQUEST,)}  # on the boxer the body names

    def get_queryset(self):
        return selectors.coach_link_list(actor=authorizer_for(self.request).actor)

    @extend_schema(request=CoachLinkCreateInputSerializer, responses={201: CoachLinkOutputSerializer})
    def post(self, request):
        authorizer = authorizer_for(request)
        authorizer.require_role(Action.COACH_LINK_REQUEST, "Only coaches may request a link.")
        params = CoachLinkCreateInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        boxer_id = params.validated_data["boxer"]
        authorizer.require(Action.COACH_LINK_REQUEST, boxer_id)
        link = services.coach_link_request(
            coach=request.user,
            boxer=selectors.boxer_get(boxer_id=boxer_id),
            rights=params.validated_data["rights"],
        )
        link = selectors.coach_link_get(link_id=link.pk, actor=authorizer.actor)
        return Response(CoachLinkOutputSerializer(link).data, status=status.HTTP_201_CREATED)


class CoachLinkObjectApi(GenericApi):
    """Loads the link of the URL and checks the view's declared coach_link action on it."""

    permission_classes = [IsAuthenticated, ActionPermission]
    serializer_class = CoachLinkOutputSerializer

    def get_object(self):
        link = selectors.coach_link_get(link_id=self.kwargs["pk"], actor=authorizer_for(self.request).actor)
        self.check_object_permissions(self.request, link)
        return link

    def permission_object(self, link) -> CoachLinkObject:
        return CoachLinkObject(coach_id=str(link.coach_id), boxer_owner_id=str(link.boxer.user_id))

    def respond(self, link) -> Response:
        """The link as it is now, as this caller may see it."""
        fresh = selectors.coach_link_get(link_id=link.pk, actor=authorizer_for(self.request).actor)
        return Response(CoachLinkOutputSerializer(fresh).data)


class CoachLinkDetailApi(CoachLinkObjectApi):
    """Read a link, change its rights (boxer's owner, admin), remove it (any party)."""

    required_actions = {
        "GET": Action.COACH_LINK_VIEW,
        "PATCH": Action.COACH_LINK_RESPOND,
        "DELETE": Action.COACH_LINK_REMOVE,
    }

    def get(self, request, pk):
        return Response(CoachLinkOutputSerializer(self.get_object()).data)

    @extend_schema(request=CoachLinkRightsInputSerializer, responses=CoachLinkOutputSerializer)
    def patch(self, request, pk):
        link = self.get_object()
        params = CoachLinkRightsInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        link = services.coach_link_set_rights(link=link, rights=params.validated_data["rights"])
        return self.respond(link)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.coach_link_remove(link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CoachLinkAcceptApi(CoachLinkObjectApi):
    """The boxer's owner (or an admin) activates a pending link, optionally narrowing its rights."""

    required_action = Action.COACH_LINK_RESPOND

    @extend_schema(request=CoachLinkAcceptInputSerializer, responses=CoachLinkOutputSerializer)
    def post(self, request, pk):
        link = self.get_object()
        params = CoachLinkAcceptInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            link = services.coach_link_accept(
                link=link, rights=params.validated_data.get("rights"), actor=request.user
            )
        except ValueError as exc:
            raise serializers.ValidationError({"rights": [str(exc)]}) from None
        return self.respond(link)


class CoachLinkDeclineApi(CoachLinkObjectApi):
    """The boxer's owner (or an admin) refuses a pending link; it is removed."""

    required_action = Action.COACH_LINK_RESPOND

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.coach_link_decline(link=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
