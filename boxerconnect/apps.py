"""App config of the project package: registers its system checks."""

from django.apps import AppConfig


class BoxerconnectConfig(AppConfig):
    name = "boxerconnect"
    verbose_name = "BoxerConnect"

    def ready(self) -> None:
        from boxerconnect import checks  # noqa: F401  (registers the checks)
