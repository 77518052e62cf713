"""What the job library does not keep: worker heartbeats, periodic runs and outcome counters.

The jobs themselves are django-tasks-db's `DBTaskResult` rows.
"""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running `manage.py worker`, refreshed every JOBS_HEARTBEAT_INTERVAL.

    A running job whose worker's row is older than JOBS_WORKER_TIMEOUT was lost with its
    worker (killed, host gone) and is handed back to the queue.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, db_index=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id


class PeriodicRun(models.Model):
    """A periodic job enqueued for one scheduled time. The unique pair is what keeps two
    workers from enqueueing the same run: the second INSERT fails and enqueues nothing."""

    name = models.CharField(max_length=100)
    scheduled_for = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "scheduled_for"], name="jobs_periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.scheduled_for:%Y-%m-%d %H:%M:%S}"


class JobCounter(models.Model):
    """Attempts by task and outcome since the deployment began (monotonic, never pruned),
    for `jobs_processed_total` in /metrics: workers have no metrics endpoint of their own."""

    task = models.CharField(max_length=255)
    outcome = models.CharField(max_length=16)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "outcome"], name="jobs_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.outcome}={self.value}"
