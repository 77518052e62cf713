"""App config of the job plumbing: its tables (heartbeats, periodic runs, counters), admin
and system checks."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "boxerconnect.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from boxerconnect.jobs import checks  # noqa: F401  (registers the checks)
