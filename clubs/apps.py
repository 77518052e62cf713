"""App config: the club directory, club coaches and membership requests."""

from django.apps import AppConfig


class ClubsConfig(AppConfig):
    name = "clubs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clubs import readmodels

        readmodels.register()  # writes of clubs, their members and owners bump the read models
