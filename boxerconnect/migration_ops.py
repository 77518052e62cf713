"""Migration operations the project needs beyond Django's own."""

from typing import Any

from django.contrib.postgres import operations as postgres_operations
from django.db import migrations


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL applied on PostgreSQL only: features SQLite lacks (exclusion constraints,
    extensions). The embedded SQLite of `make run` relies on the service checks instead."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class TrigramExtension(postgres_operations.TrigramExtension):
    """pg_trgm (CREATE EXTENSION IF NOT EXISTS), on PostgreSQL only in both directions:
    Django's operation skips other databases going forwards, not backwards."""

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
