"""Background jobs of accounts (run by `manage.py worker`; schedules in settings.PERIODIC_JOBS)."""

from boxerconnect.jobs import task


@task()
def purge_tokens() -> dict[str, int]:
    """Daily housekeeping: `manage.py purge_tokens` as a periodic job. Returns the counts."""
    from accounts.services import tokens_purge

    return tokens_purge()
