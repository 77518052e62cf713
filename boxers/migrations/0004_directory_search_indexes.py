# The public directory's indexes (issue 16): trigram indexes for the `icontains` filters on
# name and city, and the default order of the listed profiles. PostgreSQL only for the
# trigram ones (pg_trgm and GIN do not exist in SQLite, which `make run` uses): see
# boxerconnect/migration_ops.py.

from django.db import migrations, models

from boxerconnect.migration_ops import RunSQLOnPostgreSQL, TrigramExtension


class Migration(migrations.Migration):

    dependencies = [
        ('boxers', '0003_suggestions_and_slot_length'),
    ]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS pg_trgm; a no-op on other databases. pg_trgm is a
        # trusted extension: the database owner may create it without being a superuser.
        TrigramExtension(),
        # `icontains` is UPPER(col::text) LIKE UPPER('%term%') in Django's SQL: the index is
        # on that expression, so the planner can answer it from the trigrams. Raw SQL: an
        # OpClass in a Django index needs django.contrib.postgres installed, and SQLite
        # would meet the index whenever it rebuilds the table; out of the models' state, it
        # lives here alone.
        RunSQLOnPostgreSQL(
            sql=["CREATE INDEX boxers_name_trgm ON boxers_boxer USING gin (UPPER(name) gin_trgm_ops)"],
            reverse_sql=["DROP INDEX boxers_name_trgm"],
        ),
        RunSQLOnPostgreSQL(
            sql=["CREATE INDEX boxers_city_trgm ON boxers_boxer USING gin (UPPER(city) gin_trgm_ops)"],
            reverse_sql=["DROP INDEX boxers_city_trgm"],
        ),
        # The directory's default order (name, then id) among the listed profiles: its first
        # pages are read from the head of this index, whatever the size of the table.
        migrations.AddIndex(
            model_name='boxer',
            index=models.Index(
                condition=models.Q(('is_active', True), ('is_searchable', True)),
                fields=['name', 'id'],
                name='boxers_directory_name',
            ),
        ),
    ]
