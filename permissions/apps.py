"""App config: the shared authorization module (no models of its own)."""

from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"
    label = "bc_permissions"
    default_auto_field = "django.db.models.BigAutoField"
