"""Django admin for boxer profiles (with their fights inline) and coach links."""

from django.contrib import admin, messages

from boxers import services
from boxers.models import Boxer, CoachLink, Fight


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
        # Moving a profile to another user would leave the old owner's cached fact stale.
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        # Club, visibility and soft delete are permission facts: invalidate like the services do.
        super().save_model(request, obj, form, change)
        services.boxer_admin_saved(boxer=obj)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        services.boxer_admin_saved(boxer=obj)

    def delete_queryset(self, request, queryset) -> None:
        boxers = list(queryset)
        super().delete_queryset(request, queryset)
        for boxer in boxers:
            services.boxer_admin_saved(boxer=boxer)


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

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        services.coach_link_admin_saved(link=obj)

    def delete_model(self, request, obj) -> None:
        services.coach_link_remove(link=obj)

    def delete_queryset(self, request, queryset) -> None:
        for link in queryset:
            services.coach_link_remove(link=link)
