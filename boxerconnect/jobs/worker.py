"""The worker: django-tasks-db's loop plus retries, lost-job recovery and periodic jobs.

The library's `Worker.run()` claims due jobs (`SELECT ... FOR UPDATE SKIP LOCKED`), runs
them and records success or the traceback. On top of it:
- `Worker.run_task` settles each attempt (services.job_after_attempt): a failure with
  attempts left goes back to the queue after the backoff; a job whose row was deleted while
  it ran (the admin, a purge) is logged and dropped instead of stopping the worker;
- a `Supervisor` thread writes this worker's heartbeat, hands back jobs of workers that
  stopped sending theirs, and enqueues periodic jobs whose time has come.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as LibraryWorker
from django_tasks_db.models import DBTaskResult

from boxerconnect.jobs import services
from boxerconnect.jobs.periodic import Scheduler

logger = logging.getLogger("boxerconnect.jobs")


class Worker(LibraryWorker):
    """The library's worker, with each attempt settled and logged."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        started = time.perf_counter()
        outcome: str | None = None
        delay: float | None = None
        try:
            super().run_task(db_task_result)
        except DatabaseError:
            # The library records the outcome with save(update_fields=...), which raises when
            # the row is gone; uncaught, that ends the worker's loop. Only a row that is
            # really gone is forgiven: any other database error still stops the worker.
            if DBTaskResult.objects.filter(pk=db_task_result.pk).exists():
                raise
        else:
            outcome, delay = services.job_after_attempt(row=db_task_result)
        fields = {
            "task_id": str(db_task_result.pk),
            "task": db_task_result.task_path,
            "queue": db_task_result.queue_name,
            "attempt": services.attempts(db_task_result),
            "outcome": outcome or services.VANISHED,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if outcome is None:
            # Nothing to record, nothing to retry, nothing counted: the job no longer exists.
            logger.warning(
                "job %s vanished while it ran (its row was deleted): not recorded, not retried",
                db_task_result.task_path,
                extra=fields,
            )
        elif outcome == services.SUCCEEDED:
            logger.info("job %s %s", db_task_result.task_path, outcome, extra=fields)
        elif delay is not None:
            fields["retry_in_s"] = round(delay, 1)
            fields["error"] = db_task_result.exception_class_path
            logger.warning("job %s failed, retry in %.1fs", db_task_result.task_path, delay, extra=fields)
        else:
            fields["error"] = db_task_result.exception_class_path
            logger.error("job %s failed for good", db_task_result.task_path, extra=fields)


class Supervisor(threading.Thread):
    """Heartbeats, lost-job recovery and periodic scheduling, beside the worker loop.

    Runs in its own thread (with its own database connection) so that a long job does not
    stop the heartbeat that tells other workers this one is alive.
    """

    def __init__(self, worker_id: str, *, periodic: bool = True) -> None:
        super().__init__(name="jobs-supervisor", daemon=True)
        self.worker_id = worker_id
        self.scheduler = Scheduler(worker_id) if periodic else None
        self._stop_event = threading.Event()
        self._next_beat = 0.0

    def start(self) -> None:
        """Write the first heartbeat before the worker claims anything, then run."""
        services.heartbeat(worker_id=self.worker_id)
        self._next_beat = time.monotonic() + settings.JOBS_HEARTBEAT_INTERVAL
        super().start()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(min(1.0, settings.JOBS_HEARTBEAT_INTERVAL)):
                try:
                    self.tick()
                except Exception:  # the database is down, say: try again next tick
                    logger.exception("job supervisor tick failed")
                finally:
                    close_old_connections()
        finally:
            connections.close_all()

    def tick(self) -> None:
        if time.monotonic() >= self._next_beat:
            services.heartbeat(worker_id=self.worker_id)
            services.lost_jobs_requeue()
            self._next_beat = time.monotonic() + settings.JOBS_HEARTBEAT_INTERVAL
        if self.scheduler is not None:
            self.scheduler.tick(timezone.now())

    def stop(self) -> None:
        """Stop the thread and remove the heartbeat: a clean exit is not a lost worker."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=5)
        try:
            services.heartbeat_remove(worker_id=self.worker_id)
        except Exception:
            logger.exception("could not remove the heartbeat of worker %s", self.worker_id)


def run_due_jobs(*, worker_id: str = "in-process", limit: int = 1000) -> int:
    """Run, in this thread, every job that is due now (tests, and `make run`-style tools).

    Claims like the library's loop (locked row, claim, run) on the caller's connection, so
    inside a test's transaction it sees that transaction's jobs. Returns how many ran.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if row is None:
                return ran
            row.claim(worker_id)
        worker.run_task(row)
        ran += 1
    return ran
