"""API clients for tests: requests that commit like a real request, bearer tokens."""

from django.test import TestCase
from rest_framework.test import APIClient

from accounts.tokens import access_token_for


class CommitClient(APIClient):
    """APIClient whose requests run their on_commit callbacks before returning.

    Tests run inside a transaction that never commits; this makes a request's commit hooks
    (permission-cache generation bumps) run as they would when a real request commits.
    """

    def request(self, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


def authenticate(client: APIClient, user) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client
