"""manage.py seed_demo: load the demo data set and print its logins."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError as ApiValidationError

from clubs.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Create a realistic demo data set (the Welsh clubs with their towns, gym owners, coaches with "
        "links and rights, boxers of every age group with fight histories, pending membership requests) "
        "and print the demo logins, which are also saved in demo-logins.txt beside manage.py and "
        "reused by the next run. Idempotent; refuses to run when DJANGO_DEBUG is off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=(
                "One password for every demo login (default: the password demo-logins.txt holds for "
                "it, else a new random strong one)."
            ),
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never on a real deployment)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: refusing to load demo data (use --force if you really mean it)."
            )
        try:
            logins = demo_seed(password=options["password"])
        except ValidationError as exc:
            raise CommandError(f"--password rejected: {' '.join(exc.messages)}") from exc
        except ApiValidationError as exc:
            raise CommandError(f"--password rejected: {exc.detail}") from exc
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. {len(logins)} logins:"))
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<{width}}  {login.password}")
        self.stdout.write(f"Saved in {settings.DEMO_LOGINS_FILE} (reused by the next run).")
