"""Mail: render a template pair and send it once the transaction commits.

accounts/templates/accounts/mail/<template>_subject.txt and <template>_body.txt. Nothing is
sent for a transaction that rolls back.
"""

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send_on_commit(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render `template` with `context` now; send it to `to` when the transaction commits."""
    subject = " ".join(render_to_string(f"accounts/mail/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/mail/{template}_body.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, None, [to])
        except Exception as exc:  # SMTP trouble must not change the response (nor log a link)
            logger.error("could not send %r mail: %s", subject, type(exc).__name__)

    transaction.on_commit(send)
