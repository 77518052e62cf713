"""`manage.py wait_for_db`: block until the database accepts connections, or fail clearly."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connections


class Command(BaseCommand):
    help = "Wait until the default database accepts connections (container start-up)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="Give up after this many seconds.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between attempts.")

    def handle(self, *args, **options):
        connection = connections["default"]
        deadline = time.monotonic() + options["timeout"]
        attempt = 0
        while True:
            attempt += 1
            try:
                connection.ensure_connection()
            except OperationalError as exc:
                connection.close()
                if time.monotonic() + options["interval"] > deadline:
                    # The driver's message names the host and port, which is what an operator
                    # needs here (this is a console, not an HTTP response).
                    raise CommandError(
                        f"database not reachable after {attempt} attempts "
                        f"({options['timeout']:g}s): {str(exc).strip()}"
                    ) from None
                self.stderr.write(f"waiting for the database (attempt {attempt})...")
                time.sleep(options["interval"])
            else:
                connection.close()
                self.stdout.write(self.style.SUCCESS(f"database is reachable (attempt {attempt})"))
                return
