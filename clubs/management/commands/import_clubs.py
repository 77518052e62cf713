"""manage.py import_clubs: load clubs from the public club-list JSON array or a CSV file."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from clubs.importing import ImportFileError, clubs_import, read_rows

PROGRESS_THRESHOLD = 200  # rows; smaller files finish before a bar would help


class Command(BaseCommand):
    help = (
        "Import clubs from a JSON array or CSV file with the columns name, email, phone, contactName, "
        "postcode, region, latitude, longitude. Idempotent: clubs are matched by name and postcode."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .json or .csv file to import.")
        parser.add_argument(
            "--format", choices=["json", "csv"], help="File format (default: from the extension)."
        )
        parser.add_argument("--publish", action="store_true", help="Publish imported (and matched) clubs.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; save nothing.")
        parser.add_argument("--country", default="", help="Country set on newly created clubs (e.g. Wales).")
        parser.add_argument("--no-progress", action="store_true", help="Never show the progress bar.")

    def handle(self, *args, **options):
        try:
            rows = read_rows(options["path"], options["format"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        out = getattr(self.stderr, "_out", sys.stderr)  # tqdm draws with \r: bypass OutputWrapper

        def progress(iterable, total):
            hidden = options["no_progress"] or total < PROGRESS_THRESHOLD
            return tqdm(iterable, total=total, file=out, disable=hidden, unit="row", desc="clubs")

        try:
            report = clubs_import(
                rows=rows,
                publish=options["publish"],
                dry_run=options["dry_run"],
                country=options["country"],
                progress=progress,
            )
        except DatabaseError as exc:
            raise CommandError(f"database error, nothing was imported: {exc}") from exc
        for rejected in report.rejected:
            self.stderr.write(self.style.WARNING(f"rejected {rejected}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
