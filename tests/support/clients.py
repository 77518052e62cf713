"""API clients for tests: requests that commit like a real request, bearer tokens."""

from django.test import Client, TestCase
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


class ClientPool:
    """One client per user (None: anonymous), reused for the test's life: the read-model
    worlds read many pages as many users after every write."""

    def __init__(self) -> None:
        self._by_user: dict = {}

    def get(self, user=None) -> CommitClient:
        key = None if user is None else user.pk
        if key not in self._by_user:
            client = CommitClient()
            self._by_user[key] = client if user is None else authenticate(client, user)
        return self._by_user[key]


def admin_site_client(user) -> Client:
    """Django's test client logged in to the Django admin as `user`."""
    client = Client()
    client.force_login(user)
    return client
