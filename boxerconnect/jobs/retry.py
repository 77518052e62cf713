"""When a failed attempt is tried again: exponential backoff with a little jitter.

django-tasks has no retries yet (the proposal, django/new-features#142, puts `max_attempts`
and a `backoff(attempt)` function on the task); this is that function, read from settings
at call time so every job shares one policy an operator can change by environment.
"""

import random

from django.conf import settings


def retry_delay(attempts: int) -> float | None:
    """Seconds to wait before attempt `attempts + 1`, or None when the job has used its
    JOBS_MAX_ATTEMPTS and stays failed.

    JOBS_RETRY_DELAY, doubled per attempt, capped at JOBS_RETRY_MAX_DELAY, then scaled by a
    random 0.8-1.0: never later than the configured delay (the first retry comes within
    JOBS_RETRY_DELAY seconds), and retries of many jobs that failed together spread out.
    """
    if attempts >= settings.JOBS_MAX_ATTEMPTS:
        return None
    base = settings.JOBS_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(base, settings.JOBS_RETRY_MAX_DELAY) * random.uniform(0.8, 1.0)


def retry_schedule() -> list[float]:
    """The nominal delays (without jitter) between all attempts, for docs and `manage.py jobs`."""
    delays = []
    for attempts in range(1, settings.JOBS_MAX_ATTEMPTS):
        delays.append(min(settings.JOBS_RETRY_DELAY * 2 ** (attempts - 1), settings.JOBS_RETRY_MAX_DELAY))
    return delays
