"""Delete expired refresh-token rows, expired or used reset tokens and stale login failures."""

from django.core.management.base import BaseCommand

from accounts.services import tokens_purge


class Command(BaseCommand):
    help = (
        "Delete expired refresh tokens, expired or used password-reset tokens and login failures "
        "older than the login window. Revoked but unexpired refresh tokens are kept (reuse detection)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool = False, **options):
        counts = tokens_purge(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        for table, count in counts.items():
            self.stdout.write(f"{verb} {count} {table}")
        self.stdout.write(self.style.SUCCESS(f"{verb} {sum(counts.values())} row(s) in total."))
