"""App config: the shared authorization module (no models of its own)."""

from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"
    label = "bc_permissions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from boxerconnect.cache import stamped
        from permissions import invalidation, store

        invalidation.register()  # every fact family's sources bump it on commit
        stamped.on_reset(store.reset)
