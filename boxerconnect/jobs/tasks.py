"""The project's generic jobs: sending one mail, pruning finished jobs."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from boxerconnect.jobs.models import PeriodicRun, WorkerHeartbeat

# Keyword arguments a finished job no longer needs and that must not stay in the database:
# a mail body may hold a password-reset link. Read by the worker after a job succeeds.
SCRUB_AFTER_SUCCESS: dict[str, tuple[str, ...]] = {}


@task(queue_name="mail")
def send_mail(*, to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send one mail through Django's email backend (SMTP with EMAIL_TIMEOUT in production).

    Raises on any delivery error, so the worker retries it with backoff.
    """
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


SCRUB_AFTER_SUCCESS[send_mail.module_path] = ("body", "html")


@task()
def prune_jobs() -> dict[str, int]:
    """Delete finished jobs older than JOBS_KEEP_SUCCEEDED_DAYS / JOBS_KEEP_FAILED_DAYS, heartbeats
    of workers gone for a day, and periodic-run rows older than a week (each job's newest
    is kept: it tells a starting worker that the last run was already enqueued)."""
    now = timezone.now()
    jobs, _ = DBTaskResult.objects.filter(
        Q(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_SUCCEEDED_DAYS),
        )
        | Q(
            status=TaskResultStatus.FAILED,
            finished_at__lt=now - timedelta(days=settings.JOBS_KEEP_FAILED_DAYS),
        )
    ).delete()
    heartbeats, _ = WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    runs = 0
    week_ago = now - timedelta(days=7)
    for name, newest in PeriodicRun.objects.values_list("name").annotate(newest=Max("scheduled_for")):
        deleted, _ = PeriodicRun.objects.filter(name=name, scheduled_for__lt=min(newest, week_ago)).delete()
        runs += deleted
    return {"jobs": jobs, "heartbeats": heartbeats, "periodic_runs": runs}
