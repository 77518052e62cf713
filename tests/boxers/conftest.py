"""A boxer world shared by the boxers tests: one target profile and every kind of actor."""

import pytest

from tests.support.worlds import build_world


@pytest.fixture
def world(db):
    return build_world("public")
