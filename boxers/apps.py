"""App config: boxer profiles, fight records and coach links."""

from django.apps import AppConfig


class BoxersConfig(AppConfig):
    name = "boxers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from boxers import signals  # noqa: F401  (connects the read-model invalidation)
