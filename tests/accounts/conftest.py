"""Fixtures for accounts tests: logging in through the API, reading tokens from mail."""

import pytest

from tests.accounts.factories import PASSWORD
from tests.support.auth import login


@pytest.fixture
def login_as(api):
    """login_as(user) → the API body of a real login (a new refresh family)."""

    def make(user, password: str = PASSWORD) -> dict:
        return login(api, user, password)

    return make
