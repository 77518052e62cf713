"""Auth flows for tests: paths, logging in, bearer credentials, the token of the last mail."""

import re

from django.core import mail

from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import PASSWORD

LOGIN = "/api/v1/auth/login/"


REFRESH = "/api/v1/auth/refresh/"


ME = "/api/v1/auth/me/"


def login(client, user, password: str = PASSWORD) -> dict:
    """Log `user` in through the API; returns the JSON body ({"user", "access", "refresh"})."""
    response = client.post(LOGIN, {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(client, access: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def token_from_last_mail() -> str:
    """Run the queued mail jobs (the worker's part), then read the token from the last mail."""
    run_due_jobs()
    match = re.search(r"reset-password\?token=([A-Za-z0-9_\-]+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)
