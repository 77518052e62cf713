"""App configs of the project package (system checks, the cache wing's subscriptions) and of
the Django admin (our AdminSite)."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.core.signals import setting_changed
from django.db.models.signals import post_migrate


class BoxerconnectConfig(AppConfig):
    name = "boxerconnect"
    verbose_name = "BoxerConnect"

    def ready(self) -> None:
        from boxerconnect import checks as project_checks
        from boxerconnect import database
        from boxerconnect.cache import events, guarded, stamped

        checks.register(project_checks.per_process_cache_check, checks.Tags.caches, deploy=True)
        checks.register(project_checks.mail_backend_check, project_checks.STARTUP, deploy=True)
        checks.register(
            project_checks.jwt_signing_key_check,
            checks.Tags.security,
            project_checks.STARTUP,
            deploy=True,
        )
        # Cache trouble (a failed call, a reconnect) owes a rotation of the namespace; a Redis
        # instance seen for the first time is vetted by rotating it on its first connection.
        events.subscribe(stamped.on_cache_trouble)
        events.on_adopt(stamped.rotate_on_connection)
        setting_changed.connect(guarded.caches_changed, dispatch_uid="bc-guarded-caches-changed")
        # statement_timeout and time zone as the role's defaults (PgBouncer-safe): on migrate.
        post_migrate.connect(database.after_migrate, sender=self, dispatch_uid="bc-role-settings")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with boxerconnect/admin_site.py's site as `admin.site`."""

    default = False  # named in INSTALLED_APPS; BoxerconnectConfig stays this app's config
    default_site = "boxerconnect.admin_site.AdminSite"
