"""App config: users, JWT sessions, password reset."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import (
            notification_readmodels,
            readmodels,
            schema,  # noqa: F401 (registers the OpenAPI auth extension)
        )

        readmodels.register()  # writes of the fields GET /auth/me/ shows bump its read model
        notification_readmodels.register()  # notification and actor writes bump the list pages
