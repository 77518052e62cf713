# Trigram indexes for the clubs directory's `icontains` filters on name (`search`) and city
# (issue 16). PostgreSQL only, in raw SQL (see boxers 0004); pg_trgm is created by
# boxers 0004, which this migration follows.

from django.db import migrations

from boxerconnect.migration_ops import RunSQLOnPostgreSQL


class Migration(migrations.Migration):

    dependencies = [
        ('clubs', '0004_coordinates_index'),
        ('boxers', '0004_directory_search_indexes'),  # unapplied first: the extension stays until then
    ]

    operations = [
        RunSQLOnPostgreSQL(
            sql=["CREATE INDEX clubs_name_trgm ON clubs_club USING gin (UPPER(name) gin_trgm_ops)"],
            reverse_sql=["DROP INDEX clubs_name_trgm"],
        ),
        RunSQLOnPostgreSQL(
            sql=["CREATE INDEX clubs_city_trgm ON clubs_club USING gin (UPPER(city) gin_trgm_ops)"],
            reverse_sql=["DROP INDEX clubs_city_trgm"],
        ),
    ]
