"""Maildir transport: every message is written into a local Maildir, one file per
recipient, with ``Return-Path`` and ``Delivered-To`` in front as a mail server adds
them. For local use and demos; nothing leaves the machine."""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Sequence
from pathlib import Path

from newsletter.delivery.transport import Message, Outcome, RecipientResult


def envelope_headers(sender: str, recipient: str) -> bytes:
    return f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode()


class MaildirStore:
    """A Maildir folder that messages can be added to from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(self.path, create=True)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(exist_ok=True)

    def add(self, message: bytes, sender: str, recipient: str) -> str:
        return self.box.add(envelope_headers(sender, recipient) + message)

    def messages(self) -> list[bytes]:
        """Every stored message (raw bytes), in key order (time of arrival)."""
        out = []
        for key in sorted(self.box.keys()):
            handle = self.box.get_file(key)
            try:
                out.append(handle.read())
            finally:
                handle.close()
        return out

    def __len__(self) -> int:
        return len(self.box.keys())


class MaildirTransport:
    """``Transport`` writing into a Maildir."""

    def __init__(self, path: Path) -> None:
        self.store = MaildirStore(path)

    async def send(
        self, message: Message, sender: str, recipients: Sequence[str]
    ) -> list[RecipientResult]:
        data = bytes(message)

        def write() -> list[RecipientResult]:
            results = []
            for recipient in recipients:
                key = self.store.add(data, sender, recipient)
                results.append(RecipientResult(recipient, Outcome.sent, 250, key))
            return results

        try:
            return await asyncio.to_thread(write)
        except OSError as error:
            return [RecipientResult(r, Outcome.temporary, 0, str(error)) for r in recipients]

    async def close(self) -> None:
        return None
