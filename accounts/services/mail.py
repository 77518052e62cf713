"""Mail: render a template pair and enqueue it as a job of the current transaction.

accounts/templates/accounts/mail/<template>_subject.txt and <template>_body.txt. Nothing is
sent for a transaction that rolls back; the worker (`manage.py worker`) sends the rest,
retrying while SMTP is down (boxerconnect.jobs). No request ever talks to the mail server.
"""

from typing import Any

from django.template.loader import render_to_string

from boxerconnect import jobs


def send_on_commit(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render `template` with `context` now; enqueue one mail to `to` in the caller's
    transaction (a worker sends it once that commits)."""
    subject = " ".join(render_to_string(f"accounts/mail/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/mail/{template}_body.txt", context)
    jobs.enqueue_mail(to=to, subject=subject, body=body)
