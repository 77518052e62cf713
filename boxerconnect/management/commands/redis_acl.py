"""`manage.py redis_acl`: the `ACL SETUSER` line of the Redis user this deployment needs."""

from django.core.management.base import BaseCommand, CommandParser

from boxerconnect.cache import acl


class Command(BaseCommand):
    help = (
        "Print the ACL SETUSER line (every command and key pattern the app uses, for this "
        "CACHE_KEY_PREFIX); replace PASSWORD, run it as an admin user, then disable `default`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default=acl.USERNAME, help=f"ACL user name (default {acl.USERNAME})")
        parser.add_argument("--rules", action="store_true", help="only the rules (for a provider's ACL form)")

    def handle(self, *args: object, **options: object) -> None:
        if options["rules"]:
            self.stdout.write(" ".join(acl.rules()))
        else:
            self.stdout.write(acl.setuser_line(username=str(options["user"])))
