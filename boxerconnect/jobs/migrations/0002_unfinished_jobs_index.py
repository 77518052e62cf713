"""A partial index on the jobs table for /health and /metrics (PostgreSQL only).

django-tasks-db indexes the ready jobs for its workers; counting the failed and running ones
(and finding the oldest due one) would otherwise scan every finished job kept for a week.
The table belongs to django-tasks-db, hence plain SQL here rather than a model index.
"""

from django.db import migrations

INDEX = "jobs_unfinished_status_idx"
TABLE = "django_tasks_database_dbtaskresult"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (status, queue_name, run_after, enqueued_at) "
            "WHERE status IN ('READY', 'RUNNING', 'FAILED')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop)]
