"""`manage.py healthcheck`: the /health report on stdout; exit 1 when unhealthy.

`--live` asks this host's server for GET /health/live instead (it touches no dependency): the
container health check, so a database or Redis outage never marks every app container
unhealthy (and never gets them restarted by an orchestrator) while they can serve again as
soon as it ends.
"""

import json
import os
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boxerconnect.health import health_report


def live_url() -> str:
    """http://127.0.0.1:<the port gunicorn binds>/health/live (GUNICORN_BIND, else PORT)."""
    bind = os.environ.get("GUNICORN_BIND", "").strip()
    port = bind.rsplit(":", 1)[1] if ":" in bind else os.environ.get("PORT", "8000")
    return f"http://127.0.0.1:{port}/health/live"


def host_header() -> str:
    """A host name the app answers to (DJANGO_ALLOWED_HOSTS), for the loopback request."""
    for host in settings.ALLOWED_HOSTS:
        name = host.lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


class Command(BaseCommand):
    help = "Probe the database and Redis like GET /health; exit non-zero when unhealthy."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Also fail when degraded (Redis down), not only when unhealthy.",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Only check that this host's server answers GET /health/live (no dependency).",
        )
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait with --live.")

    def handle(self, *args, **options):
        if options["live"]:
            self.check_live(options["timeout"])
            return
        body, _ = health_report()
        self.stdout.write(json.dumps(body, indent=2))
        if body["status"] == "unhealthy" or (options["strict"] and body["status"] != "healthy"):
            raise CommandError(f"service is {body['status']}")
        self.stdout.write(self.style.SUCCESS(f"service is {body['status']}"))

    def check_live(self, timeout: float) -> None:
        url = live_url()
        # (health paths are exempt from the redirect to TLS: plain http on loopback)
        request = urllib.request.Request(url, headers={"Host": host_header()})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            raise CommandError(f"{url}: no answer ({exc})") from None
        if status != 200:
            raise CommandError(f"{url}: HTTP {status}")
        self.stdout.write(self.style.SUCCESS(f"{url}: live"))
