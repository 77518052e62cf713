"""Django admin: users (every change through accounts.services), token tables read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import LoginFailure, Notification, PasswordResetToken, RefreshToken, Role, User


def _is_last_active_admin(user: User) -> bool:
    others = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
    return user.role == Role.ADMIN and user.is_active and not others.exists()


class UserAddForm(forms.ModelForm):
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput,
        required=False,
        strip=False,
        help_text="Leave both empty to email the user a set-password link instead.",
    )
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput, required=False, strip=False
    )

    class Meta:
        model = User
        fields = ["email", "name", "role"]

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first or second:
            if first != second:
                raise ValidationError({"password2": "The two passwords differ."})
            probe = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                validate_password(first, user=probe)
            except ValidationError as exc:
                raise ValidationError({"password1": exc.messages}) from None
        return data


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "name", "role", "is_active", "email_verified", "is_superuser"]

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        demoted = data.get("role", Role.ADMIN) != Role.ADMIN or data.get("is_active") is False
        if demoted and self.instance.pk:
            stored = User.objects.get(pk=self.instance.pk)
            if _is_last_active_admin(stored):
                raise ValidationError(services.LastActiveAdmin.default_detail)
        return data


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "role", "is_active", "email_verified", "created_at", "last_login"]
    list_filter = ["role", "is_active", "email_verified"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    readonly_fields = ["id", "token_version", "created_at", "updated_at", "last_login"]
    actions = ["deactivate_users", "revoke_all_sessions"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj is not None else UserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "name", "role", "password1", "password2"]
        return [*UserChangeForm.Meta.fields, *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.admin_user_create(
                email=data["email"],
                name=data["name"],
                role=data["role"],
                password=data.get("password1") or None,
            )
            obj.__dict__.update(created.__dict__)  # the admin redirects and logs with obj.pk
            return
        fields = {f: data[f] for f in ("name", "email", "role", "is_active") if f in form.changed_data}
        try:
            updated = services.user_update(user=obj, **fields)
        except services.LastActiveAdmin as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return
        extra = [f for f in ("email_verified", "is_superuser") if f in form.changed_data]
        if extra:
            for f in extra:
                setattr(updated, f, data[f])
            updated.save(update_fields=[*extra, "updated_at"])

    def save_related(self, request, form, formsets, change):
        """No many-to-many fields are edited here (roles, not groups, grant rights)."""

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(user=user)

    @admin.action(description="Deactivate selected users (ends their sessions)")
    def deactivate_users(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                services.user_deactivate(user=user)
                done += 1
            except services.LastActiveAdmin as exc:
                self.message_user(request, f"{user.email}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"Deactivated {done} user(s).", messages.SUCCESS)

    @admin.action(description="Revoke all sessions of selected users")
    def revoke_all_sessions(self, request, queryset):
        count = 0
        for user in queryset:
            services.user_logout_all(user=user)
            count += 1
        self.message_user(request, f"Revoked every session of {count} user(s).", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: these rows are written by the auth services alone."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RefreshToken)
class RefreshTokenAdmin(ReadOnlyAdmin):
    list_display = ["jti", "user", "family", "created_at", "expires_at", "revoked_at", "replaced_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "jti", "family"]
    list_select_related = ["user"]


@admin.register(PasswordResetToken)
class PasswordResetTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at", "expires_at", "used_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    exclude = ["token_hash"]
    list_select_related = ["user"]


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    list_display = ["email", "ip", "created_at"]
    search_fields = ["email", "ip"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "actor", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "recipient__name", "actor__name")
    list_select_related = ("recipient", "actor")
    date_hierarchy = "created_at"
