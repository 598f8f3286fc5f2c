"""A recording SMTP server (aiosmtpd, in-process) on a free port."""

from __future__ import annotations

import email
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.checks import text_body
from tests.support.ports import PortReservation


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, _class=EmailMessage, policy=default)
        assert isinstance(message, EmailMessage)
        return message

    def body(self, subtype: str = "plain") -> str:
        """The decoded text/<subtype> body of the message (which must have one)."""
        return text_body(self.message, subtype)


@dataclass
class Recorder:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]

    def take(self, address: str, count: int = 1) -> list[EmailMessage]:
        """The e-mails received by ``address`` since the last take (exactly ``count``);
        every message recorded so far is forgotten."""
        self.wait_for(count)
        found = [m.message for m in self.to(address)]
        self.messages.clear()
        assert len(found) == count, [m["Subject"] for m in found]
        return found


class SmtpServer:
    def __init__(self) -> None:
        self.reservation = PortReservation()  # until the server listens
        self.port = self.reservation.port
        self.recorder = Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        try:
            self.controller.start()
        finally:
            self.reservation.release()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()
