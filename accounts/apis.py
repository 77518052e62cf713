"""Auth endpoints (register, login, refresh, logout, me, passwords) and the admin user API."""

import hashlib

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts import notification_readmodels, readmodels, selectors, services
from accounts.models import Role, User
from accounts.serializers import MeOutputSerializer, NotificationOutputSerializer, UserOutputSerializer
from boxerconnect.api.canonical import CanonicalPagination, query_of
from boxerconnect.api.views import Api, ListApi
from boxerconnect.cache.keys import throttle_key
from boxerconnect.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle, client_ip
from permissions.actions import Action
from permissions.checker import primed_actor_id, store_for
from permissions.drf import ActionPermission

RESET_REQUESTED = "If an account with this email exists, a password reset link has been sent to it."


class NoAuthentication(BaseAuthentication):
    """Public endpoints ignore any Authorization header: a stale access token must not block
    login or refresh. Still names the Bearer scheme so 401s carry WWW-Authenticate."""

    def authenticate(self, request):
        return None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class PasswordResetEmailThrottle(ScopedRateThrottle):
    """The password_reset rate per target email (hashed), whether or not an account has it."""

    def get_cache_key(self, request, view):
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(User.objects.normalize_email(email).encode()).hexdigest()
        return throttle_key("password_reset_email", digest)


# --- Serializers --------------------------------------------------------------------------


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class SessionOutputSerializer(TokenPairOutputSerializer):
    user = UserOutputSerializer()


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=[r.value for r in services.SELF_SERVICE_ROLES], default=Role.BOXER)


class LoginInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2048)


class MeUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    email_notifications = serializers.BooleanField(required=False)


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=256)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class DetailOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


def session_body(user: User, pair: services.TokenPair) -> dict:
    return {"user": UserOutputSerializer(user).data, "access": pair.access, "refresh": pair.refresh}


def pair_body(pair: services.TokenPair) -> dict:
    return {"access": pair.access, "refresh": pair.refresh}


# --- Public auth endpoints ----------------------------------------------------------------


class PublicApi(Api):
    authentication_classes = [NoAuthentication]
    permission_classes = [AllowAny]


class RegisterApi(PublicApi):
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(auth=[], request=RegisterInputSerializer, responses={201: SessionOutputSerializer})
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, pair = services.user_register(**data.validated_data)
        return Response(session_body(user, pair), status=status.HTTP_201_CREATED)


class LoginApi(PublicApi):
    """A wrong email, a wrong password and an inactive account get one 401 body. Too many
    failed logins are a 429, even with the right password: 5 per email and client IP in 15
    minutes, or 20 per email in an hour from any IP (the per-account cap; a password reset
    lifts it). `Retry-After` gives the seconds to wait. Failures at the Django admin's login
    count too."""

    # Failures are limited per (email, IP) and per email in the database by the login
    # service, not here.
    @extend_schema(auth=[], request=LoginInputSerializer, responses={200: SessionOutputSerializer})
    def post(self, request):
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, pair = services.user_login(request=request, ip=client_ip(request), **data.validated_data)
        return Response(session_body(user, pair))


class RefreshApi(PublicApi):
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "refresh"

    @extend_schema(auth=[], request=RefreshInputSerializer, responses={200: TokenPairOutputSerializer})
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.session_refresh(raw_refresh=data.validated_data["refresh"])
        return Response(pair_body(pair))


class PasswordResetApi(PublicApi):
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle, PasswordResetEmailThrottle]
    throttle_scope = "password_reset"

    @extend_schema(auth=[], request=PasswordResetInputSerializer, responses={202: DetailOutputSerializer})
    def post(self, request):
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicApi):
    @extend_schema(auth=[], request=PasswordResetConfirmInputSerializer, responses={204: None})
    def post(self, request):
        data = PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Authenticated auth endpoints ---------------------------------------------------------


class LogoutApi(Api):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RefreshInputSerializer, responses={204: None})
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_end(user_id=request.user.pk, raw_refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(Api):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.user_logout_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(Api):
    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)
    # GET serves the account read model (accounts/readmodels.py), read in the round trip that
    # authenticates the request: no SQL warm. (No docstring: it would be the schema's text.)

    permission_classes = [IsAuthenticated]

    def read_model_keys(self, request) -> list[str]:
        actor_id = primed_actor_id(request)
        if request.method not in ("GET", "HEAD") or actor_id is None:
            return []
        return readmodels.account_lookup_keys(actor_id)

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request):
        user_id = request.user.pk
        body = readmodels.account(
            user_id,
            lambda: MeOutputSerializer(selectors.user_get(user_id=user_id)).data,
            store_for(request),
        )
        return Response(body)

    @extend_schema(request=MeUpdateInputSerializer, responses={200: MeOutputSerializer})
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(MeOutputSerializer(user).data)


class PasswordChangeApi(Api):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeInputSerializer, responses={200: TokenPairOutputSerializer})
    def post(self, request):
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.password_change(user=request.user, **data.validated_data)
        return Response(pair_body(pair))


# --- Admin API ----------------------------------------------------------------------------


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=254)

    class Meta:
        model = User
        fields = ["role", "is_active", "search"]

    def filter_search(self, queryset, name, value):
        return queryset & selectors.user_list(search=value)


class AdminUserCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)


class AdminUserUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class AdminUserListApi(ListApi):
    permission_classes = [ActionPermission]
    required_action = Action.USER_MANAGE
    serializer_class = UserOutputSerializer
    filterset_class = UserFilter

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(request=AdminUserCreateInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        data = AdminUserCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.admin_user_create(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class AdminUserDetailApi(Api):
    permission_classes = [ActionPermission]
    required_action = Action.USER_MANAGE

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request, pk):
        return Response(UserOutputSerializer(get_object_or_404(User, pk=pk)).data)

    @extend_schema(request=AdminUserUpdateInputSerializer, responses={200: UserOutputSerializer})
    def patch(self, request, pk):
        user = get_object_or_404(User, pk=pk)
        data = AdminUserUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=user, **data.validated_data)
        return Response(UserOutputSerializer(user).data)


class AdminStatsApi(Api):
    permission_classes = [ActionPermission]
    required_action = Action.STATS_VIEW

    @extend_schema(
        responses={
            200: inline_serializer(
                "AdminStats",
                {
                    "users": serializers.IntegerField(),
                    "users_by_role": inline_serializer(
                        "UsersByRole", {role: serializers.IntegerField() for role in Role.values}
                    ),
                    "active_users": serializers.IntegerField(),
                    "boxers": serializers.IntegerField(),
                    "verified_boxers": serializers.IntegerField(),
                    "clubs": serializers.IntegerField(),
                    "published_clubs": serializers.IntegerField(),
                    "pending_membership_requests": serializers.IntegerField(),
                },
            )
        }
    )
    def get(self, request):
        return Response(selectors.admin_stats())


# --- Notifications --------------------------------------------------------------------------


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.ChoiceField(choices=["true", "false"], required=False)


class NotificationListApi(ListApi):
    """The caller's own notifications, newest first (`?unread=true`: unread only)."""

    replayable = True  # GET: warm responses replayed (boxerconnect/api/replay.py)

    # Served from the read model while none of them was written (accounts/notification_readmodels.py).

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutputSerializer
    filter_backends: list = []
    filterset_class = notification_readmodels.NotificationQuery  # the canonical query (links, key)
    pagination_class = CanonicalPagination
    _page_key: tuple[str | None, tuple[str, ...]] | None = None

    def page_key(self, request) -> tuple[str | None, tuple[str, ...]]:
        if self._page_key is None:
            query = query_of(self.paginator, request, notification_readmodels.NotificationQuery)
            self._page_key = notification_readmodels.page_key(request, primed_actor_id(request), query)
        return self._page_key

    def read_model_keys(self, request) -> list[str]:
        if request.method not in ("GET", "HEAD"):
            return []
        return notification_readmodels.lookup_keys(*self.page_key(request))

    def list(self, request, *args, **kwargs):
        key, gens = self.page_key(request)
        compute = lambda: super(NotificationListApi, self).list(request).data  # noqa: E731
        return Response(notification_readmodels.page(key, gens, compute, store_for(request)))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.notification_list(user_id=None)
        params = NotificationFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        unread = params.validated_data.get("unread") == "true"
        return selectors.notification_list(user_id=self.request.user.pk, unread_only=unread)

    @extend_schema(parameters=[NotificationFilterSerializer])
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class NotificationUnreadCountApi(Api):
    """How many of the caller's notifications are unread."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=inline_serializer("UnreadCount", {"count": serializers.IntegerField()}))
    def get(self, request):
        return Response({"count": selectors.notification_unread_count(user_id=request.user.pk)})


class NotificationReadApi(Api):
    """Mark one notification read (its recipient only; anyone else's is a 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.notification_mark_read(
            notification=selectors.notification_get(user_id=request.user.pk, notification_id=pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationReadAllApi(Api):
    """Mark every notification of the caller read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.notifications_mark_all_read(user_id=request.user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
