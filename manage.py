#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings")
    # Metrics of a one-off command (healthcheck, migrate) are not the server's: keep them in
    # this process instead of leaving files in the gunicorn workers' shared directory.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
