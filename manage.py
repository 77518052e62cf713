#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings")
    # Metrics of a one-off command (healthcheck every 30 s, migrate) are not the server's:
    # they stay in this process instead of leaving files in the gunicorn workers' shared
    # directory. prometheus_client picks its storage when first imported, so it is imported
    # with the variable hidden; the variable is then restored for commands that read the
    # workers' figures (`permissions_cache stats`).
    multiproc_dir = os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    import prometheus_client.values  # noqa: F401

    if multiproc_dir is not None:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc_dir
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
