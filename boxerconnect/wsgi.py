"""WSGI entry point for gunicorn (and runserver, which loads WSGI_APPLICATION): refuses to
serve when a start-up check fails (boxerconnect/checks.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings")

application = get_wsgi_application()

from boxerconnect.checks import refuse_to_serve_misconfigured  # noqa: E402  (needs django.setup())

refuse_to_serve_misconfigured()
