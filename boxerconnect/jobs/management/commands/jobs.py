"""`manage.py jobs`: the queue at a glance, failed jobs with their last error, retry them."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect.jobs import services
from boxerconnect.jobs.retry import retry_schedule
from boxerconnect.jobs.selectors import job_list, job_stats, last_error

STATUSES = {s.lower(): s for s in TaskResultStatus.values}


class Command(BaseCommand):
    help = "Show the job queue (stats), list jobs (list), and retry failed ones (retry)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        sub.add_parser("stats", help="Queued, oldest wait, failed, workers, outcome counters.")
        listing = sub.add_parser("list", help="Newest jobs first with attempts and the last error.")
        listing.add_argument(
            "--status",
            default="failed",
            choices=[*STATUSES, "all"],
            help="Jobs of this status (default: failed).",
        )
        listing.add_argument("--limit", type=int, default=20, help="How many (default 20).")
        retry = sub.add_parser("retry", help="Run failed jobs once more, now.")
        retry.add_argument("ids", nargs="*", help="Job ids (from `jobs list`).")
        retry.add_argument("--all-failed", action="store_true", help="Every failed job.")

    def handle(self, *args, action=None, **options):
        if action == "list":
            self.show_list(options["status"], options["limit"])
        elif action == "retry":
            self.retry_jobs(options["ids"], options["all_failed"])
        else:
            self.show_stats()

    def show_stats(self):
        stats = job_stats()
        self.stdout.write(
            f"queued {stats.queued} (oldest waiting {stats.oldest_queued_seconds:g}s), "
            f"failed {stats.failed}, workers alive {stats.workers}"
        )
        for (queue, state), count in sorted(stats.by_queue.items()):
            self.stdout.write(f"  queue {queue}: {state} {count}")
        for (task, outcome), count in sorted(stats.processed.items()):
            self.stdout.write(f"  {task}: {outcome} {count}")
        schedule = ", ".join(f"{delay:g}s" for delay in retry_schedule())
        self.stdout.write(f"retry delays: {schedule or 'none (one attempt)'}")

    def show_list(self, status: str, limit: int):
        rows = job_list(status=None if status == "all" else STATUSES[status], limit=limit)
        for row in rows:
            self.stdout.write(
                f"{row.pk}  {row.status:<10} {row.task_path}  attempts {services.attempts(row)}  "
                f"enqueued {row.enqueued_at:%Y-%m-%d %H:%M:%S}  {last_error(row)}".rstrip()
            )
        if not rows:
            self.stdout.write(f"no {status} jobs")

    def retry_jobs(self, ids: list[str], all_failed: bool):
        if all_failed:
            ids = [str(pk) for pk in DBTaskResult.objects.failed().values_list("pk", flat=True)]
        elif not ids:
            raise CommandError("give job ids or --all-failed")
        try:
            count = services.job_retry(ids=ids)
        except ValidationError:
            raise CommandError(f"not job ids: {' '.join(ids)}") from None
        self.stdout.write(self.style.SUCCESS(f"{count} job(s) queued again"))
