"""`manage.py worker`: run every job queue and the periodic jobs until stopped."""

import logging
import os
import socket
from argparse import BooleanOptionalAction
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader

from boxerconnect.jobs import periodic, services
from boxerconnect.jobs.models import WorkerHeartbeat
from boxerconnect.jobs.worker import Supervisor, Worker

logger = logging.getLogger("boxerconnect.jobs")


class Command(BaseCommand):
    help = (
        "Run background jobs: every queue, retries with backoff, lost-job recovery and the "
        "periodic jobs of PERIODIC_JOBS. SIGTERM finishes the running job, then exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queues",
            default="*",
            help="Comma-separated queues to run (default: all of them, '*').",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not enqueue periodic jobs from this worker (another one does).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the jobs that are due, then exit (periodic jobs due now are enqueued first).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many jobs.")
        parser.add_argument(
            "--reload",
            action=BooleanOptionalAction,
            default=None,
            help="Restart on code changes (default: on when DJANGO_DEBUG is true; never in production).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Health check for a container: exit 1 unless a worker on this host sent a "
            "heartbeat within JOBS_WORKER_TIMEOUT seconds.",
        )

    def handle(self, *args, queues, no_periodic, batch, max_tasks, reload, check, **options):
        if check:
            return self.check_alive()
        errors = periodic.configuration_errors()
        if errors:
            raise CommandError("; ".join(errors))
        worker_id = services.worker_id_make()
        worker = Worker(
            queue_names=[name.strip() for name in queues.split(",") if name.strip()],
            interval=settings.JOBS_POLL_INTERVAL,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        supervisor = Supervisor(worker_id, periodic=not no_periodic)

        def main() -> None:
            if batch and supervisor.scheduler is not None:
                supervisor.scheduler.tick(timezone.now())
            supervisor.start()
            try:
                worker.run()
            finally:
                supervisor.stop()

        logger.info(
            "worker %s starting: queues %s, periodic jobs %s",
            worker_id,
            queues,
            "off" if no_periodic else "on",
            extra={"worker_id": worker_id, "queues": queues, "periodic": not no_periodic},
        )
        if (settings.DEBUG if reload is None else reload) and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(main)
        else:
            worker.configure_signals()
            main()

    def check_alive(self) -> None:
        cutoff = timezone.now() - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)
        host = socket.gethostname()
        if not WorkerHeartbeat.objects.filter(hostname=host, seen_at__gte=cutoff).exists():
            raise CommandError(f"no worker on {host} sent a heartbeat in {settings.JOBS_WORKER_TIMEOUT:g}s")
        self.stdout.write(self.style.SUCCESS(f"a worker on {host} is alive"))
