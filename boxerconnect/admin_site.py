"""The Django admin site: Django's own, with the login and the own-password page going through
accounts.services (the API's login failure limits; a new password ends every session and
reset link). Installed by `boxerconnect.apps.AdminConfig` in place of django.contrib.admin."""

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse

from accounts.forms import AdminLoginForm, AdminOwnPasswordForm


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def password_change(self, request, extra_context=None):
        """Django's view and template with the service-backed form (AdminSite has no hook
        for the form alone)."""
        defaults = {
            "form_class": AdminOwnPasswordForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)
