"""`manage.py healthcheck`: the /health report on stdout; exit 1 when unhealthy."""

import json

from django.core.management.base import BaseCommand, CommandError

from boxerconnect.health import health_report


class Command(BaseCommand):
    help = "Probe the database and Redis like GET /health; exit non-zero when unhealthy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Also fail when degraded (Redis down), not only when unhealthy.",
        )

    def handle(self, *args, **options):
        body, _ = health_report()
        self.stdout.write(json.dumps(body, indent=2))
        if body["status"] == "unhealthy" or (options["strict"] and body["status"] != "healthy"):
            raise CommandError(f"service is {body['status']}")
        self.stdout.write(self.style.SUCCESS(f"service is {body['status']}"))
