"""Writes on jobs that the library does not make: retry after a failure, hand back a lost
job, manual retry, heartbeats and outcome counters."""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect.jobs.models import JobCounter, WorkerHeartbeat
from boxerconnect.jobs.retry import retry_delay
from boxerconnect.jobs.tasks import SCRUB_AFTER_SUCCESS

logger = logging.getLogger("boxerconnect.jobs")

# Outcomes of one attempt, the `outcome` label of jobs_processed_total.
SUCCEEDED, RETRIED, FAILED, LOST = "succeeded", "retried", "failed", "lost"
OUTCOMES = (SUCCEEDED, RETRIED, FAILED, LOST)
# A job whose row was deleted while it ran: logged by the worker, never counted (no row,
# no attempt to settle), so not one of OUTCOMES.
VANISHED = "vanished"


def attempts(row: DBTaskResult) -> int:
    """Attempts made so far: the library appends the worker id at every claim."""
    return len(row.worker_ids)


def counter_increment(*, task: str, outcome: str) -> None:
    """Add one to the (task, outcome) counter: one UPDATE, an INSERT the first time."""
    if JobCounter.objects.filter(task=task, outcome=outcome).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            JobCounter.objects.create(task=task, outcome=outcome, value=1)
    except IntegrityError:  # another worker created it meanwhile
        JobCounter.objects.filter(task=task, outcome=outcome).update(value=F("value") + 1)


def job_after_attempt(*, row: DBTaskResult) -> tuple[str, float | None]:
    """Settle a job the library has just marked successful or failed.

    Successful: drop the arguments listed in SCRUB_AFTER_SUCCESS (a mail body). Failed with
    attempts left: back to READY, due after `retry_delay` (the traceback stays as the last
    error). Returns (outcome, seconds until the retry or None).
    """
    if row.status == TaskResultStatus.SUCCESSFUL:
        scrub = SCRUB_AFTER_SUCCESS.get(row.task_path)
        if scrub:
            kwargs = {
                key: ("[removed after delivery]" if key in scrub and value else value)
                for key, value in row.args_kwargs["kwargs"].items()
            }
            DBTaskResult.objects.filter(pk=row.pk).update(args_kwargs={"args": [], "kwargs": kwargs})
        counter_increment(task=row.task_path, outcome=SUCCEEDED)
        return SUCCEEDED, None
    delay = retry_delay(attempts(row))
    if delay is None:
        counter_increment(task=row.task_path, outcome=FAILED)
        return FAILED, None
    DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + timedelta(seconds=delay),
        finished_at=None,
    )
    counter_increment(task=row.task_path, outcome=RETRIED)
    return RETRIED, delay


def job_retry(*, ids) -> int:
    """Run failed jobs once more, now (admin action, `manage.py jobs retry`). Their earlier
    attempts still count, so a manual retry that fails again stays failed. Returns how many
    jobs were queued again (ids of jobs that are not failed are left alone)."""
    return DBTaskResult.objects.filter(pk__in=list(ids), status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None
    )


# --- Workers ------------------------------------------------------------------------------


def worker_id_make() -> str:
    """A worker id unique across hosts and restarts, readable in the admin (<= 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{os.urandom(4).hex()}"


def heartbeat(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": timezone.now()},
    )


def heartbeat_remove(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def lost_jobs_requeue() -> list[str]:
    """Hand back the running jobs whose worker stopped sending heartbeats (killed, host
    lost): READY after the usual backoff, or FAILED when that was the last attempt. The
    attempt that died counts. Returns the ids handled.

    A job is only ever taken from a worker that has been silent for JOBS_WORKER_TIMEOUT,
    so a slow but alive worker keeps its job; delivery is at least once, not exactly once.
    """
    now = timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(
            seen_at__gte=now - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)
        ).values_list("worker_id", flat=True)
    )
    handled = []
    # Only jobs running for longer than the timeout too: a job claimed a moment ago by a
    # worker whose first heartbeat is not visible yet is not lost.
    running = DBTaskResult.objects.running().filter(
        started_at__lt=now - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)
    )
    for row in running.only("id", "task_path", "worker_ids", "started_at"):
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        delay = retry_delay(attempts(row))
        lost = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        last = row.worker_ids[-1] if row.worker_ids else "?"
        # The reason becomes the job's last error, as a traceback would.
        reason = {
            "exception_class_path": "boxerconnect.jobs.WorkerLost",
            "traceback": (
                f"WorkerLost: the worker {last} stopped while running this job (attempt {attempts(row)})."
            ),
        }
        if delay is None:
            changed = lost.update(status=TaskResultStatus.FAILED, finished_at=now, **reason)
        else:
            changed = lost.update(
                status=TaskResultStatus.READY, run_after=now + timedelta(seconds=delay), **reason
            )
        if changed:
            counter_increment(task=row.task_path, outcome=LOST)
            handled.append(str(row.pk))
            logger.warning(
                "job %s lost with worker %s: %s",
                row.pk,
                last,
                "failed" if delay is None else f"retry in {delay:.1f}s",
                extra={"task_id": str(row.pk), "task": row.task_path, "worker_id": last},
            )
    return handled
