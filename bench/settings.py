"""Bench-only settings: the project's, plus django-guardian for the comparison benchmark."""

from boxerconnect.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "guardian"]  # noqa: F405
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row (our User has no username)
