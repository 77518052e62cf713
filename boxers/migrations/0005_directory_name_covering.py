# Name search at a million boxers (issue 16): a directory page's ids are read apart from its
# rows (BoundedCountPaginator: `id IN (SELECT id ... LIMIT)`), so a name search's first
# page can be a walk of the name index that stops after the page's matches (about 21 /
# selectivity entries at any size) instead of reading and sorting every match from the
# trigram index (about 4,300 for a surname at 1,000,000). For the walk to be index-only,
# the index carries what the walk tests: the name (a key) and the user (INCLUDE), which the
# public rule's anti-join on inactive users reads. And the planner must know that a surname
# matches thousands of rows, not the hundred its default statistics guessed (a histogram of
# 100 entries holds no "Wheeler"): 1,000 entries of statistics on the trigram index's
# expression, UPPER(name), which ANALYZE (autovacuum's or the bulk load's) collects.

from django.db import migrations, models

from boxerconnect.migration_ops import RunSQLOnPostgreSQL


class Migration(migrations.Migration):

    dependencies = [
        ('boxers', '0004_directory_search_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='boxer',
            name='boxers_directory_name',
        ),
        migrations.AddIndex(
            model_name='boxer',
            index=models.Index(
                condition=models.Q(('is_active', True), ('is_searchable', True)),
                fields=['name', 'id'],
                include=('user',),
                name='boxers_directory_name',
            ),
        ),
        RunSQLOnPostgreSQL(
            sql=["ALTER INDEX boxers_name_trgm ALTER COLUMN 1 SET STATISTICS 1000"],
            reverse_sql=["ALTER INDEX boxers_name_trgm ALTER COLUMN 1 SET STATISTICS -1"],
        ),
    ]
