"""Background jobs of boxers (run by `manage.py worker`; schedules in settings.PERIODIC_JOBS)."""

from boxerconnect.jobs import task


@task()
def expire_sparring_requests() -> int:
    """Mark pending sparring requests past their expiry `expired` and tell the requesting side
    (reads show them expired already). Safe to repeat. Returns how many it marked."""
    from boxers.sparring.services import sparring_requests_expire

    return sparring_requests_expire()
