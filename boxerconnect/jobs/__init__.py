"""Background jobs: the API every app uses to run work outside the request.

    from boxerconnect import jobs

    jobs.enqueue_mail(to=user.email, subject="...", body="...")   # in the service's transaction
    jobs.enqueue(some_task, *args, **kwargs)                       # any task defined with jobs.task

    @jobs.task()                         # in <app>/tasks.py, a module-level function
    def expire_sparring_requests() -> int: ...

A periodic job is an entry of settings.PERIODIC_JOBS (name -> task path and a cron schedule
from the environment); `python manage.py worker` runs the queues and the periodic jobs.
Delivery is at least once: a job whose worker died mid-run is run again, so jobs must be
safe to repeat. The design and its limits: docs/operations.md#background-jobs.
"""

from typing import Any

from django.db import transaction
from django_tasks import TaskResult, task
from django_tasks.base import Task

__all__ = ["enqueue", "enqueue_mail", "task"]


def enqueue(job: Task, /, *args: Any, **kwargs: Any) -> TaskResult | None:
    """Enqueue `job` so that it exists only if the current transaction commits.

    With the database backend (every configuration of this project) the job row is written
    through the caller's connection, inside its transaction: a rollback removes it and no
    worker can see it before the commit. A backend outside the database gets the job from
    `transaction.on_commit` instead (then None is returned). Arguments must be JSON values.
    """
    from django_tasks_db import DatabaseBackend

    if isinstance(job.get_backend(), DatabaseBackend):
        return job.enqueue(*args, **kwargs)
    transaction.on_commit(lambda: job.enqueue(*args, **kwargs))
    return None


def enqueue_mail(*, to: str, subject: str, body: str, html: str | None = None) -> TaskResult | None:
    """Enqueue one mail to one recipient, sent by a worker with retries and backoff.

    Transactional like `enqueue`. Opens no SMTP connection: the request that calls it never
    waits for the mail server. The body may hold secrets (a reset link): it is removed from
    the job row once the mail is sent.
    """
    from boxerconnect.jobs.tasks import send_mail

    if not to:
        raise ValueError("enqueue_mail needs a recipient address")
    return enqueue(send_mail, to=to, subject=subject, body=body, html=html)
