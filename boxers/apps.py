"""App config: boxer profiles, fight records and coach links."""

from django.apps import AppConfig


class BoxersConfig(AppConfig):
    name = "boxers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from boxers import readmodels
        from boxers.sparring import readmodels as sparring_readmodels

        readmodels.register()  # writes of boxers, clubs and users bump the read models
        sparring_readmodels.register()  # and the sparring lists (requests, availability)
