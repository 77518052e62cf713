"""HTTP API of the club directory, club management and the membership flow (docs/api.md, "Clubs")."""

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from accounts.serializers import UserOutputSerializer
from boxerconnect.api.canonical import CanonicalPagination, query_of
from boxerconnect.api.serializers import RefSerializer
from boxerconnect.api.views import Api, GenericApi, ListApi
from boxers.models import Boxer, ExperienceLevel, Gender
from boxers.serializers import BoxerOutputSerializer, profile_for
from clubs import readmodels, selectors, services
from clubs.filters import ClubFilter, MembershipRequestFilter
from clubs.models import Club, ClubCoach, ClubCoachStatus, MembershipRequest, MembershipStatus
from permissions.actions import Action
from permissions.checker import authorizer_for, refs_for, store_for
from permissions.drf import ActionPermission
from permissions.facts import ClubCoachObject, ClubFact, MembershipObject
from permissions.rules import decide_club
from permissions.store import FactRef

# --- Serializers ---------------------------------------------------------------------------


class ClubOutputSerializer(serializers.Serializer):
    """A club. `contact_name`, `contact_email` and `contact_phone` are shown to the club's owner
    and to admins only (absent for everyone else)."""

    # The view passes context["show_contact"], a function club → bool (club.view_contact).

    id = serializers.UUIDField()
    name = serializers.CharField()
    region = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    postcode = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    website = serializers.CharField()
    description = serializers.CharField()
    accepting_members = serializers.BooleanField()
    is_published = serializers.BooleanField()
    is_verified = serializers.BooleanField()
    owner = RefSerializer(allow_null=True)
    member_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    contact_name = serializers.CharField(required=False, help_text="Owner and admins only.")
    contact_email = serializers.CharField(required=False, help_text="Owner and admins only.")
    contact_phone = serializers.CharField(required=False, help_text="Owner and admins only.")

    CONTACT = ("contact_name", "contact_email", "contact_phone")

    def to_representation(self, club):
        data = super().to_representation(club)
        show = self.context.get("show_contact")
        if show is None or not show(club):
            for name in self.CONTACT:
                data.pop(name, None)
        return data


class ClubInputSerializer(serializers.Serializer):
    """Writable club fields (PATCH is partial). `owner` and `is_verified` are admin-only."""

    name = serializers.CharField(max_length=200)
    region = serializers.CharField(max_length=100, allow_blank=True, required=False)
    city = serializers.CharField(max_length=100, allow_blank=True, required=False)
    country = serializers.CharField(max_length=100, allow_blank=True, required=False)
    postcode = serializers.CharField(max_length=16, allow_blank=True, required=False)
    address = serializers.CharField(max_length=300, allow_blank=True, required=False)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, allow_null=True, required=False
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, allow_null=True, required=False
    )
    contact_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    contact_email = serializers.EmailField(allow_blank=True, required=False)
    contact_phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    website = serializers.URLField(allow_blank=True, required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    accepting_members = serializers.BooleanField(required=False)
    is_published = serializers.BooleanField(required=False)
    is_verified = serializers.BooleanField(required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True, required=False)


class OwnerInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)


COACH_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.UUIDField(),
    "name": serializers.CharField(),
    "is_head": serializers.BooleanField(),
}


class MembersOutputSerializer(serializers.Serializer):
    boxers = inline_serializer(
        "ClubMemberBoxer",
        {
            "id": serializers.UUIDField(),
            "name": serializers.CharField(),
            "experience_level": serializers.ChoiceField(choices=ExperienceLevel.choices),
            "wins": serializers.IntegerField(),
            "losses": serializers.IntegerField(),
            "draws": serializers.IntegerField(),
        },
        many=True,
    )
    coaches = inline_serializer("ClubMemberCoach", COACH_FIELDS, many=True)


class CoachInputSerializer(serializers.Serializer):
    user = serializers.UUIDField()
    is_head = serializers.BooleanField(default=False)


class ClubCoachInvitationSerializer(serializers.Serializer):
    user = serializers.UUIDField()
    is_head = serializers.BooleanField()
    status = serializers.ChoiceField(choices=ClubCoachStatus.choices)


class MembershipRequestOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    club = RefSerializer()
    user = RefSerializer()
    boxer_id = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    message = serializers.CharField(help_text="The requester's message to the club owner.")
    notes = serializers.CharField(help_text="The reviewer's note (e.g. why a request was rejected).")
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.UUID)
    def get_boxer_id(self, obj) -> str | None:
        try:
            return str(obj.user.boxer.pk)
        except Boxer.DoesNotExist:  # the requester has no profile (any more)
            return None


class MembershipRequestInputSerializer(serializers.Serializer):
    message = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        required=False,
        default="",
        help_text="Optional message to the club owner (why, experience, when you can train).",
    )


class RejectInputSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class BoxerAccountInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150)
    weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=40, max_value=200, allow_null=True, required=False
    )
    height_cm = serializers.IntegerField(min_value=120, max_value=230, allow_null=True, required=False)
    date_of_birth = serializers.DateField(allow_null=True, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True, required=False)
    city = serializers.CharField(max_length=100, allow_blank=True, required=False)
    country = serializers.CharField(max_length=100, allow_blank=True, required=False)
    experience_level = serializers.ChoiceField(choices=ExperienceLevel.choices, required=False)
    bio = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    is_searchable = serializers.BooleanField(required=False)

    def validate_date_of_birth(self, value):
        from django.utils import timezone

        if value is not None and value >= timezone.localdate():
            raise ValidationError("Date of birth must be in the past.")
        return value


class BoxerAccountOutputSerializer(serializers.Serializer):
    user = UserOutputSerializer()
    boxer = BoxerOutputSerializer()


# --- Helpers -------------------------------------------------------------------------------


class _Listed:
    """The fields of a listed club (a page item) that `contact_policy` reads."""

    __slots__ = ("accepting_members", "is_published", "owner_id", "pk")

    def __init__(self, item: dict) -> None:
        self.pk = item["id"]
        self.owner_id = None if item["owner"] is None else item["owner"]["id"]
        self.is_published = item["is_published"]
        self.accepting_members = item["accepting_members"]


def _listed(item: dict) -> Any:
    return _Listed(item)


def contact_policy(request):
    """A function club → bool: may the caller see its contact details (club.view_contact)?

    Decided by the same rule as the single-object check, on a fact built from the loaded
    row: no per-club cache round trip.
    """
    authorizer = authorizer_for(request)
    actor = authorizer.actor

    def show(club: Club) -> bool:
        fact = ClubFact(
            id=str(club.pk),
            owner_id=None if club.owner_id is None else str(club.owner_id),
            is_published=club.is_published,
            accepting_members=club.accepting_members,
        )
        return decide_club(actor, Action.CLUB_VIEW_CONTACT, fact).allowed

    return show


def club_or_404(club_id) -> Club:
    try:
        return selectors.club_get(club_id=club_id)
    except Club.DoesNotExist as exc:
        raise Http404 from exc


def _show_all(club: Club) -> bool:
    return True


def club_body(club_id) -> dict:
    """One club as the API renders it, contact fields included (the read model's value)."""
    return ClubOutputSerializer(club_or_404(club_id), context={"show_contact": _show_all}).data


def club_response(request, club_id, status_code=status.HTTP_200_OK, cached=False) -> Response:
    """One Club, contact details if club.view_contact allows (the club's fact is memoised).

    `cached`: from its read model, read along in the request's one round trip (a GET). After
    a write it is read from PostgreSQL: the write's bump may not have been sent yet."""
    body = (
        readmodels.club(club_id, lambda: club_body(club_id), store_for(request))
        if cached
        else club_body(club_id)
    )
    if not authorizer_for(request).check(Action.CLUB_VIEW_CONTACT, club_id).allowed:
        body = readmodels.without_contact(body)
    return Response(body, status=status_code)


# --- Clubs ---------------------------------------------------------------------------------


class ClubListCreateApi(ListApi):
    """GET: the public directory (published clubs). POST: an admin creates a club."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # GET serves the page's read model (clubs/readmodels.py), keyed on the canonical query (its
    # links are built from that form too), and adds the contact fields of the clubs the caller
    # may see them for (`contact_policy`): no SQL when warm.

    permission_classes = [ActionPermission]
    required_actions = {"POST": Action.CLUB_CREATE}
    filterset_class = ClubFilter
    serializer_class = ClubOutputSerializer
    pagination_class = CanonicalPagination
    _page_key: tuple[str | None] | None = None

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.club_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_contact": _show_all}

    def page_key(self, request) -> str | None:
        """This request's page key (None: not cached), worked out once per request."""
        if self._page_key is None:
            query = query_of(self.paginator, request, self.filterset_class)
            self._page_key = (readmodels.page_key(request, query),)
        return self._page_key[0]

    def read_model_keys(self, request) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return readmodels.page_lookup_keys(self.page_key(request))

    def list(self, request, *args, **kwargs):
        entry = readmodels.page(
            self.page_key(request),
            lambda: super(ClubListCreateApi, self).list(request).data,
            store_for(request),
        )
        page, contacts = entry["page"], entry["contacts"]
        if authorizer_for(request).actor is not None:  # anonymous callers see no contacts
            show = contact_policy(request)
            page = {
                **page,
                "results": [
                    {**item, **contacts[item["id"]]} if show(_listed(item)) else item
                    for item in page["results"]
                ],
            }
        return Response(page)

    @extend_schema(request=ClubInputSerializer, responses={201: ClubOutputSerializer})
    def post(self, request):
        params = ClubInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        club = services.club_create(**params.validated_data)
        return club_response(request, club.pk, status.HTTP_201_CREATED)


class ClubRegionsApi(Api):
    """Distinct regions of published clubs."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # Served from their read model (clubs/readmodels.py).

    permission_classes = [AllowAny]

    def read_model_keys(self, request) -> list[str]:
        return readmodels.regions_lookup_keys() if request.method in ("GET", "HEAD") else []

    @extend_schema(responses=serializers.ListSerializer(child=serializers.CharField()))
    def get(self, request):
        return Response(readmodels.regions(selectors.club_regions, store_for(request)))


class ClubMineApi(ListApi):
    """Clubs the caller owns, published or not."""

    permission_classes = [IsAuthenticated]
    serializer_class = ClubOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.club_list_owned(user_id=self.request.user.pk)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_contact": contact_policy(self.request)}


class ClubDetailApi(Api):
    """One club: view (published, or owner/admin), update (owner/admin), delete (admin)."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # GET serves the club's read model, read in the request's one round trip with the facts of
    # its permission check: no SQL when warm.

    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.CLUB_VIEW, "PATCH": Action.CLUB_UPDATE, "DELETE": Action.CLUB_DELETE}
    field_actions = {"owner": Action.CLUB_SET_OWNER, "is_verified": Action.CLUB_SET_OWNER}

    def read_model_keys(self, request) -> list[str]:
        return readmodels.club_lookup_keys(self.kwargs["pk"]) if request.method in ("GET", "HEAD") else []

    @extend_schema(responses=ClubOutputSerializer)
    def get(self, request, pk):
        return club_response(request, pk, cached=True)

    @extend_schema(request=ClubInputSerializer, responses=ClubOutputSerializer)
    def patch(self, request, pk):
        params = ClubInputSerializer(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        services.club_update(club=club_or_404(pk), data=params.validated_data)
        return club_response(request, pk)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.club_delete(club=club_or_404(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClubOwnerApi(Api):
    """An admin gives the club to a gym owner (or to nobody with null)."""

    permission_classes = [ActionPermission]
    required_action = Action.CLUB_SET_OWNER

    @extend_schema(request=OwnerInputSerializer, responses=ClubOutputSerializer)
    def put(self, request, pk):
        params = OwnerInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.club_set_owner(club=club_or_404(pk), user=params.validated_data["user"])
        return club_response(request, pk)


class ClubMembersApi(Api):
    """The club's boxers and coaches (owner, its coaches, its boxers, admins): only the boxers
    the caller may view (list = check) and the coaches who accepted."""

    permission_classes = [ActionPermission]
    required_action = Action.CLUB_VIEW_MEMBERS

    @extend_schema(responses=MembersOutputSerializer)
    def get(self, request, pk):
        actor = authorizer_for(request).actor
        boxers = selectors.club_member_boxers(club_id=pk, actor=actor).values(
            "id", "name", "experience_level", "wins", "losses", "draws"
        )
        coaches = [
            {"id": cc.coach_id, "name": cc.coach.name, "is_head": cc.is_head}
            for cc in selectors.club_coaches(club_id=pk)
        ]
        return Response(MembersOutputSerializer({"boxers": list(boxers), "coaches": coaches}).data)


class ClubBoxerApi(Api):
    """The club owner (or an admin) removes a boxer from the club."""

    permission_classes = [ActionPermission]
    required_action = Action.CLUB_MANAGE_MEMBERS

    @extend_schema(responses={204: None})
    def delete(self, request, pk, boxer_id):
        services.club_remove_boxer(club=club_or_404(pk), boxer_id=boxer_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClubCoachListApi(Api):
    """The club owner (or an admin) invites a coach: nothing is granted until it accepts."""

    permission_classes = [ActionPermission]
    required_action = Action.CLUB_MANAGE_MEMBERS

    @extend_schema(request=CoachInputSerializer, responses={201: ClubCoachInvitationSerializer})
    def post(self, request, pk):
        params = CoachInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        club_coach = services.club_coach_invite(
            club=club_or_404(pk), user_id=data["user"], is_head=data["is_head"], invited_by=request.user
        )
        body = {"user": str(club_coach.coach_id), "is_head": club_coach.is_head, "status": club_coach.status}
        return Response(body, status=status.HTTP_201_CREATED)


def club_coach_object(club_coach: ClubCoach) -> ClubCoachObject:
    return ClubCoachObject(
        coach_id=str(club_coach.coach_id), club_id=str(club_coach.club_id), status=club_coach.status
    )


class ClubCoachApi(Api):
    """DELETE: the club owner (or an admin) removes a coach or withdraws an invitation
    (club.manage_members); the coach itself leaves the club or drops the invitation
    (club_coach.leave)."""

    permission_classes = [IsAuthenticated]
    body_actions = {"DELETE": (Action.CLUB_MANAGE_MEMBERS, Action.CLUB_COACH_LEAVE)}  # checked in delete()

    def permission_refs(self, request, actor_id) -> list[FactRef]:
        # The club's fact rides in the request's one round trip (club.manage_members).
        return refs_for(actor_id, Action.CLUB_MANAGE_MEMBERS, self.kwargs["pk"])

    @extend_schema(responses={204: None})
    def delete(self, request, pk, user_id):
        authorizer = authorizer_for(request)
        if authorizer.actor_id == str(user_id):  # the coach named in the URL: leaving
            club_coach = selectors.club_coach_get(club_id=pk, coach_id=user_id)
            authorizer.require(Action.CLUB_COACH_LEAVE, obj=club_coach_object(club_coach))
            services.club_coach_leave(club_coach=club_coach)
        else:
            authorizer.require(Action.CLUB_MANAGE_MEMBERS, pk)
            services.club_coach_remove(club=club_or_404(pk), user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ClubCoachInvitationApi(Api):
    """Loads the (club, coach) row of the URL and checks the view's club_coach action on it."""

    permission_classes = [IsAuthenticated, ActionPermission]

    def get_object(self) -> ClubCoach:
        club_coach = selectors.club_coach_get(club_id=self.kwargs["pk"], coach_id=self.kwargs["user_id"])
        self.check_object_permissions(self.request, club_coach)
        return club_coach

    def permission_object(self, club_coach: ClubCoach) -> ClubCoachObject:
        return club_coach_object(club_coach)


class ClubCoachAcceptApi(_ClubCoachInvitationApi):
    """The invited coach accepts: it coaches at the club from its next request."""

    required_action = Action.CLUB_COACH_ACCEPT

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ClubCoachAccepted", {"status": serializers.ChoiceField(choices=[ClubCoachStatus.ACTIVE.value])}
        ),
    )
    def post(self, request, pk, user_id):
        club_coach = services.club_coach_accept(club_coach=self.get_object())
        return Response({"status": club_coach.status})


class ClubCoachDeclineApi(_ClubCoachInvitationApi):
    """The invited coach refuses: the invitation is removed."""

    required_action = Action.CLUB_COACH_DECLINE

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk, user_id):
        services.club_coach_decline(club_coach=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClubMembershipRequestsApi(ListApi):
    """POST: a boxer asks to join. GET: the owner (or an admin) lists the club's requests."""

    permission_classes = [ActionPermission]
    required_actions = {"GET": Action.CLUB_MANAGE_MEMBERS}
    body_actions = {"POST": (Action.MEMBERSHIP_REQUEST,)}  # checked in post()
    serializer_class = MembershipRequestOutputSerializer
    filterset_class = MembershipRequestFilter

    def get_permissions(self):
        if self.request.method == "POST":
            # Decided in post(): "not accepting members" is a 400, not a 403 (docs/api.md).
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return MembershipRequest.objects.none()
        return selectors.membership_request_list_for_club(club_id=self.kwargs["pk"])

    @extend_schema(
        request=MembershipRequestInputSerializer, responses={201: MembershipRequestOutputSerializer}
    )
    def post(self, request, pk):
        authorizer_for(request).require(Action.MEMBERSHIP_REQUEST, pk)
        params = MembershipRequestInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = User.objects.get(pk=request.user.pk)
        membership = services.membership_request_create(
            user=user, club=club_or_404(pk), message=params.validated_data["message"]
        )
        membership = selectors.membership_request_all().get(pk=membership.pk)
        return Response(MembershipRequestOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class ClubBoxerAccountsApi(Api):
    """The club owner (or an admin) creates a boxer account in the club; the boxer sets its password."""

    permission_classes = [ActionPermission]
    required_action = Action.CLUB_MANAGE_MEMBERS

    @extend_schema(request=BoxerAccountInputSerializer, responses={201: BoxerAccountOutputSerializer})
    def post(self, request, pk):
        params = BoxerAccountInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user, boxer = services.club_boxer_account_create(club=club_or_404(pk), **params.validated_data)
        authorizer = authorizer_for(request)
        data = {
            "user": UserOutputSerializer(user).data,
            "boxer": profile_for(
                boxer,
                actor=authorizer.actor,
                show_private=authorizer.check(Action.BOXER_UPDATE, boxer.pk).allowed,
            ),
        }
        return Response(data, status=status.HTTP_201_CREATED)


# --- Membership requests -------------------------------------------------------------------


class MembershipRequestListApi(ListApi):
    """The caller's own membership requests."""

    permission_classes = [IsAuthenticated]
    serializer_class = MembershipRequestOutputSerializer
    filterset_class = MembershipRequestFilter

    def get_queryset(self):
        return selectors.membership_request_list_for_user(user_id=self.request.user.pk)


class _MembershipObjectApi(GenericApi):
    permission_classes = [IsAuthenticated, ActionPermission]
    serializer_class = MembershipRequestOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.membership_request_all()

    def permission_object(self, obj: MembershipRequest) -> MembershipObject:
        return MembershipObject(
            requester_id=str(obj.user_id),
            club_owner_id=None if obj.club.owner_id is None else str(obj.club.owner_id),
            status=obj.status,
        )

    def reviewer(self):
        return User.objects.get(pk=self.request.user.pk)

    def respond(self, membership: MembershipRequest) -> Response:
        membership = self.get_queryset().get(pk=membership.pk)
        return Response(MembershipRequestOutputSerializer(membership).data)


class MembershipRequestDetailApi(_MembershipObjectApi):
    """GET: a party views the request. DELETE: the requester cancels a pending request."""

    required_actions = {"GET": Action.MEMBERSHIP_VIEW, "DELETE": Action.MEMBERSHIP_CANCEL}

    def get(self, request, pk):
        return Response(MembershipRequestOutputSerializer(self.get_object()).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.membership_request_cancel(request=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipRequestApproveApi(_MembershipObjectApi):
    """The club owner (or an admin) approves: the boxer joins the club."""

    required_action = Action.MEMBERSHIP_REVIEW

    @extend_schema(request=None, responses=MembershipRequestOutputSerializer)
    def post(self, request, pk):
        membership = services.membership_request_approve(request=self.get_object(), reviewer=self.reviewer())
        return self.respond(membership)


class MembershipRequestRejectApi(_MembershipObjectApi):
    """The club owner (or an admin) rejects, with optional notes."""

    required_action = Action.MEMBERSHIP_REVIEW

    @extend_schema(request=RejectInputSerializer, responses=MembershipRequestOutputSerializer)
    def post(self, request, pk):
        membership = self.get_object()
        params = RejectInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        membership = services.membership_request_reject(
            request=membership, reviewer=self.reviewer(), notes=params.validated_data["notes"]
        )
        return self.respond(membership)
