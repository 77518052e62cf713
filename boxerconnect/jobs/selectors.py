"""Reads on jobs: the queue's state for /health, /metrics and `manage.py jobs`."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, QuerySet, When
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from boxerconnect.jobs.models import JobCounter, WorkerHeartbeat

# The `state` label of jobs_queued: due now, waiting for a retry or a run_after, running,
# failed for good.
STATES = ("due", "scheduled", "running", "failed")


@dataclass(frozen=True)
class JobStats:
    queued: int  # due now and not yet claimed
    oldest_queued_seconds: float  # how long the oldest of them has been due (0 when none)
    failed: int  # jobs that used up their attempts, waiting for an admin
    by_queue: dict[tuple[str, str], int] = field(default_factory=dict)  # (queue, state) -> jobs
    processed: dict[tuple[str, str], int] = field(default_factory=dict)  # (task, outcome) -> attempts
    workers: int = 0  # workers with a fresh heartbeat


def _due(now: datetime) -> Q:
    # The library stores "no run_after" as its far-future maximum date.
    return Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))


def job_stats(*, now: datetime | None = None) -> JobStats:
    """The queue in three small queries: one aggregate over unfinished and failed jobs
    (grouped by queue and status, on the partial index of those rows), the outcome
    counters, and the live-worker count."""
    now = now or timezone.now()
    due = _due(now)
    due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    rows = (
        DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED]
        )
        .values("queue_name", "status")
        .annotate(total=Count("pk"), due=Count("pk", filter=due), oldest=Min(due_since, filter=due))
        .order_by()
    )
    by_queue: dict[tuple[str, str], int] = {}
    oldest: datetime | None = None
    for row in rows:
        queue, status = row["queue_name"], row["status"]
        if status == TaskResultStatus.READY:
            by_queue[(queue, "due")] = by_queue.get((queue, "due"), 0) + row["due"]
            by_queue[(queue, "scheduled")] = by_queue.get((queue, "scheduled"), 0) + row["total"] - row["due"]
            if row["oldest"] is not None and (oldest is None or row["oldest"] < oldest):
                oldest = row["oldest"]
        else:
            state = "running" if status == TaskResultStatus.RUNNING else "failed"
            by_queue[(queue, state)] = by_queue.get((queue, state), 0) + row["total"]
    processed = {(c.task, c.outcome): c.value for c in JobCounter.objects.all()}
    workers = WorkerHeartbeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)
    ).count()
    return JobStats(
        queued=sum(n for (_, state), n in by_queue.items() if state == "due"),
        oldest_queued_seconds=round(max((now - oldest).total_seconds(), 0.0), 1) if oldest else 0.0,
        failed=sum(n for (_, state), n in by_queue.items() if state == "failed"),
        by_queue=by_queue,
        processed=processed,
        workers=workers,
    )


def job_list(*, status: str | None = None, limit: int = 20) -> QuerySet[DBTaskResult]:
    """Newest jobs first, optionally of one status (READY, RUNNING, FAILED, SUCCESSFUL)."""
    jobs = DBTaskResult.objects.order_by("-enqueued_at")
    if status:
        jobs = jobs.filter(status=status)
    return jobs[:limit]


def last_error(row: DBTaskResult) -> str:
    """The last line of the last failure's traceback ("SMTPServerDisconnected: ..."), or ""."""
    lines = [line for line in (row.traceback or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
