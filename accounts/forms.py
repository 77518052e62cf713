"""The Django admin's password forms, wired to accounts.services: the login checks the
password under the API's failure limits, and a password set in the admin ends every session
and reset link like any other password change (boxerconnect/admin_site.py uses them)."""

import math

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as OwnPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables
from rest_framework import exceptions

from accounts import services
from boxerconnect.throttling import client_ip


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form checks the password through `services.login_authenticate`:
    the same failure limits, in the same rows, as the API login (failures on either count
    for both)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": "Too many failed logins for this account. Try again in %(minutes)d minute(s).",
    }

    @sensitive_variables()
    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = services.login_authenticate(
                    request=self.request, email=email, password=password, ip=client_ip(self.request)
                )
            except exceptions.Throttled as exc:
                minutes = math.ceil((exc.wait or 60) / 60)
                raise ValidationError(
                    self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
                ) from None
            except exceptions.AuthenticationFailed:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminOwnPasswordForm(OwnPasswordChangeForm):
    """The admin's "change password" page for its own password, through the service: every
    other session and every reset link ends (Django's view then keeps this session)."""

    def save(self, commit=True):
        return services.password_set(user=self.user, new_password=self.cleaned_data["new_password1"])


class AdminSetPasswordForm(SetPasswordForm):
    """An admin sets a user's password (validated by Django's validators), through the service."""

    required_css_class = "required"

    def save(self, commit=True):
        return services.password_set(user=self.user, new_password=self.cleaned_data["new_password1"])
