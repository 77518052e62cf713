"""Django admin for clubs, club coaches and membership requests (writes go through services)."""

from django.contrib import admin, messages
from django.db import models
from rest_framework.exceptions import APIException

from accounts.models import Role
from clubs import services
from clubs.models import Club, ClubCoach, MembershipRequest


def _error_text(exc: APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(
            f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in detail.items()
        )
    return str(detail)


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "region",
        "city",
        "postcode",
        "owner",
        "is_published",
        "is_verified",
        "accepting_members",
    )
    list_filter = ("region", "is_published", "is_verified", "accepting_members")
    search_fields = ("name", "city", "postcode", "region", "owner__email", "owner__name")
    list_select_related = ("owner",)
    readonly_fields = ("id", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "unpublish", "verify", "unverify"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = db_field.related_model.objects.filter(role=Role.GYM_OWNER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _bulk(self, request, queryset, changes: dict, verb: str) -> None:
        count = 0
        for club in queryset:
            if any(getattr(club, name) != value for name, value in changes.items()):
                services.club_update(club=club, data=changes)
                count += 1
        self.message_user(request, f"{count} club(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Publish selected clubs")
    def publish(self, request, queryset) -> None:
        self._bulk(request, queryset, {"is_published": True}, "published")

    @admin.action(description="Unpublish selected clubs")
    def unpublish(self, request, queryset) -> None:
        self._bulk(request, queryset, {"is_published": False}, "unpublished")

    @admin.action(description="Mark selected clubs as verified")
    def verify(self, request, queryset) -> None:
        self._bulk(request, queryset, {"is_verified": True}, "verified")

    @admin.action(description="Remove verification from selected clubs")
    def unverify(self, request, queryset) -> None:
        self._bulk(request, queryset, {"is_verified": False}, "unverified")

    def delete_model(self, request, obj) -> None:
        services.club_delete(club=obj)

    def delete_queryset(self, request, queryset) -> None:
        for club in queryset:
            services.club_delete(club=club)


@admin.register(ClubCoach)
class ClubCoachAdmin(admin.ModelAdmin):
    """Invitations and active coaches. The status is read-only: a new row is an invitation,
    and only the coach makes it active (POST /clubs/{id}/coaches/{user_id}/accept/)."""

    list_display = ("coach", "club", "status", "is_head", "created_at")
    list_filter = ("status", "is_head", "club__region")
    search_fields = ("coach__email", "coach__name", "club__name")
    list_select_related = ("coach", "club")
    autocomplete_fields = ("club",)
    readonly_fields = ("status", "created_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "coach":
            kwargs["queryset"] = db_field.related_model.objects.filter(role=Role.COACH)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(MembershipRequest)
class MembershipRequestAdmin(admin.ModelAdmin):
    """Read-only rows; status changes only through the approve/reject actions (the API's services)."""

    list_display = ("user", "club", "status", "created_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", "club__region")
    search_fields = ("user__email", "user__name", "club__name", "message")
    list_select_related = ("user", "club", "reviewed_by")
    readonly_fields = (
        "id",
        "user",
        "club",
        "status",
        "message",
        "notes",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    )
    actions = ["approve", "reject"]

    def has_add_permission(self, request) -> bool:
        return False  # a boxer asks to join through the API; nobody joins any other way

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def _review(self, request, queryset, service, verb: str) -> None:
        done, failed = 0, []
        for membership in queryset.select_related("club"):
            try:
                service(request=membership, reviewer=request.user)
                done += 1
            except APIException as exc:
                failed.append(f"{membership}: {_error_text(exc)}")
        if done:
            self.message_user(request, f"{done} request(s) {verb}.", messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Approve selected requests (the boxer joins the club)")
    def approve(self, request, queryset) -> None:
        self._review(
            request,
            queryset,
            services.membership_request_approve,
            "approved",
        )

    @admin.action(description="Reject selected requests")
    def reject(self, request, queryset) -> None:
        self._review(
            request,
            queryset,
            services.membership_request_reject,
            "rejected",
        )
