"""Data a whole module reads, seeded once and committed instead of once a test: the module's
fixture seeds inside `django_db_blocker.unblock()` and calls `flush_committed()` when done."""

from django.core.management import call_command
from django.db import connection


def flush_committed() -> None:
    """Empty every table, as after a transactional test, and analyse the empty tables so no
    statistics of the seeded rows are left to steer a later test's plans."""
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
