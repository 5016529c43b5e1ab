"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): mail leaves Django through its
SMTP backend and arrives here, so tests read what a real mail server would have received."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Collects every message delivered to it. ``wait_for(predicate)`` waits with a deadline."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(
        self, predicate: Callable[[EmailMessage], bool], *, timeout: float = 15
    ) -> EmailMessage:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m["To"], m["Subject"]) for m in self.messages]
                    raise AssertionError(f"no such mail within {timeout} s; received: {seen}")
                self._arrived.wait(left)

    def mail_to(self, address: str, *, timeout: float = 15) -> EmailMessage:
        return self.wait_for(lambda m: address in str(m["To"]), timeout=timeout)


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no text part"
    return part.get_content()


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://\S+", body_of(message))
