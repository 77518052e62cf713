"""System checks: periodic job configuration, and a database job backend."""

from django.core import checks

from boxerconnect.jobs.periodic import configuration_errors


@checks.register("jobs")
def check_periodic_jobs(app_configs=None, **kwargs):
    return [checks.Error(message, id="jobs.E001") for message in configuration_errors()]


@checks.register("jobs")
def check_job_backend(app_configs=None, **kwargs):
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        return [
            checks.Warning(
                "The default task backend is not the database backend: `manage.py worker` "
                "runs nothing and jobs are not part of the enqueueing transaction.",
                hint='TASKS["default"]["BACKEND"] = "django_tasks_db.DatabaseBackend"',
                id="jobs.W001",
            )
        ]
    return []
