"""Django admin for boxer profiles (with their fights inline) and coach links."""

from django.contrib import admin, messages
from rest_framework.exceptions import APIException

from boxers import services
from boxers.models import Availability, Boxer, CoachLink, Fight, SparringRequest
from boxers.sparring import services as sparring_services


class FightInline(admin.TabularInline):
    model = Fight
    extra = 0
    fields = ("date", "opponent_name", "result", "method", "round", "venue")
    readonly_fields = fields
    can_delete = False
    show_change_link = False
    ordering = ("-date", "-created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        # Fights are written through the API so the record is recomputed by the service.
        return False


@admin.register(Boxer)
class BoxerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "experience_level",
        "club",
        "wins",
        "losses",
        "draws",
        "is_verified",
        "is_searchable",
        "is_active",
    )
    list_filter = (
        "experience_level",
        ("club", admin.RelatedOnlyFieldListFilter),
        "is_verified",
        "is_searchable",
        "is_active",
    )
    search_fields = ("name", "city", "country", "user__email")
    list_select_related = ("club",)
    raw_id_fields = ("user", "club")
    readonly_fields = ("id", "wins", "losses", "draws", "created_at", "updated_at")
    inlines = [FightInline]
    actions = ["verify", "unverify"]

    @admin.action(description="Mark selected boxers as verified")
    def verify(self, request, queryset) -> None:
        count = 0
        for boxer in queryset.filter(is_verified=False):
            services.boxer_verify(boxer=boxer, verified=True)
            count += 1
        self.message_user(request, f"{count} boxer(s) verified.", messages.SUCCESS)

    @admin.action(description="Remove verification from selected boxers")
    def unverify(self, request, queryset) -> None:
        count = 0
        for boxer in queryset.filter(is_verified=True):
            services.boxer_verify(boxer=boxer, verified=False)
            count += 1
        self.message_user(request, f"{count} boxer(s) unverified.", messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to its user for good (the API has no way to move it either).
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields


@admin.register(CoachLink)
class CoachLinkAdmin(admin.ModelAdmin):
    list_display = ("coach", "boxer", "status", "rights", "created_at")
    list_filter = ("status",)
    search_fields = ("coach__name", "coach__email", "boxer__name")
    list_select_related = ("coach", "boxer")
    raw_id_fields = ("coach", "boxer")
    readonly_fields = ("id", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The (coach, boxer) pair names the cached fact: it is fixed once the link exists.
        return (*self.readonly_fields, "coach", "boxer") if obj is not None else self.readonly_fields


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    """Slots are written through the API (the service checks overlaps); the admin reads them."""

    list_display = ("boxer", "starts_at", "ends_at", "club", "note")
    list_filter = (("club", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("boxer__name", "note")
    list_select_related = ("boxer", "club")
    date_hierarchy = "starts_at"
    readonly_fields = ("id", "boxer", "starts_at", "ends_at", "club", "note", "created_at", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SparringRequest)
class SparringRequestAdmin(admin.ModelAdmin):
    """Read-only rows; status changes only through actions that call the services (one
    conditional UPDATE each, notifications included)."""

    list_display = ("from_boxer", "to_boxer", "kind", "status", "proposed_start", "expires_at", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("from_boxer__name", "to_boxer__name", "message")
    list_select_related = ("from_boxer", "to_boxer")
    date_hierarchy = "proposed_start"
    readonly_fields = [field.name for field in SparringRequest._meta.fields]
    actions = ["cancel", "expire_due"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Cancel selected requests (pending, or accepted and not started)")
    def cancel(self, request, queryset) -> None:
        done, refused = 0, 0
        for found in queryset:
            try:
                sparring_services.sparring_request_cancel(request=found, user=request.user)
                done += 1
            except APIException:
                refused += 1
        self.message_user(request, f"{done} cancelled, {refused} could not be.", messages.SUCCESS)

    @admin.action(description="Mark pending requests past their expiry expired (as the periodic job)")
    def expire_due(self, request, queryset) -> None:
        count = sparring_services.sparring_requests_expire()
        self.message_user(request, f"{count} request(s) marked expired.", messages.SUCCESS)
