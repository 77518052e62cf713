"""A real SMTP server on a loopback port that a test can stop and start again (aiosmtpd)."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Accepts every mail on 127.0.0.1:<port> and keeps it; counts TCP connections.

    `stop()` closes the listener (clients get "connection refused"); `start()` listens on the
    same port again, so a configured EMAIL_PORT stays valid across an outage.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.connections = 0
        self._counting = False
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def _connected(self) -> None:
        with self._lock:
            if self._counting:
                self.connections += 1

    def start(self) -> None:
        owner = self

        class CountingSMTP(SMTP):
            def connection_made(self, transport) -> None:
                owner._connected()
                super().connection_made(transport)

        class CountingController(Controller):
            def factory(self):
                return CountingSMTP(self.handler, **self.SMTP_kwargs)

        self._controller = CountingController(self, hostname="127.0.0.1", port=self.port)
        # Controller.start() connects once itself (and reads the greeting, so that connection
        # is made before it returns): not a client, not counted.
        self._controller.start()
        with self._lock:
            self._counting = True

    def stop(self) -> None:
        if self._controller is not None:
            with self._lock:
                self._counting = False
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def mails_to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def wait_for_mail(self, address: str, *, timeout: float) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if mails := self.mails_to(address):
                return mails
            time.sleep(0.05)
        return self.mails_to(address)

    def settings(self) -> dict[str, object]:
        """Django email settings that deliver to this server (plain SMTP, short timeout)."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 2,
        }

    def env(self) -> dict[str, str]:
        """The same as environment variables, for a worker process."""
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "2",
            "DJANGO_EMAIL_BACKEND": "",
        }
