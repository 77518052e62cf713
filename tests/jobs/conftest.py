"""Fixtures for the job tests: a real SMTP server per test, live worker processes."""

import pytest

from tests.support.smtp import SmtpServer
from tests.support.workers import live_worker_factory  # noqa: F401  (a fixture)


@pytest.fixture
def smtp_server():
    """A running SMTP server on a free loopback port, stopped at the end of the test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Django's SMTP backend pointed at `smtp_server`."""
    for name, value in smtp_server.settings().items():
        setattr(settings, name, value)
    return smtp_server
