"""The embedded mail catcher: a local SMTP server (aiosmtpd) that keeps every message
in a Maildir instead of delivering it.

``serve`` and ``demo`` start it when no SMTP_HOST is configured, and ``issue send
--catcher`` sends into it, so that a newcomer sees real messages arrive::

    catcher = MailCatcher(settings.data_dir / "catcher")
    host, port = catcher.start()          # a free loopback port unless one is given
    settings = catcher.smtp_settings(settings)   # SMTP_HOST/PORT pointing at it
    ...
    catcher.stop()

The server runs in a thread of its own, so it works beside any event loop.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from newsletter.config import Settings, SmtpSecurity
from newsletter.delivery.maildir import MaildirStore


class _StoreHandler:
    def __init__(self, store: MaildirStore) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        for recipient in envelope.rcpt_tos:
            self.store.add(content, envelope.mail_from or "", recipient)
        return "250 2.0.0 Message stored"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MailCatcher:
    """A started/stopped aiosmtpd server storing what it receives into ``maildir``."""

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self.port = port
        self.store = MaildirStore(self.maildir)
        self._controller: Controller | None = None

    def start(self) -> tuple[str, int]:
        """Start listening; returns (host, port). Idempotent."""
        if self._controller is None:
            if not self.port:
                self.port = _free_port(self.host)
            controller = Controller(
                _StoreHandler(self.store),
                hostname=self.host,
                port=self.port,
                data_size_limit=0,
                decode_data=False,
            )
            controller.start()
            self._controller = controller
        return self.host, self.port

    def stop(self) -> None:
        """Stop listening (the Maildir stays). Idempotent."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def smtp_settings(self, settings: Settings) -> Settings:
        """``settings`` with the SMTP relay pointing at this catcher (no TLS, no AUTH)."""
        return settings.model_copy(
            update={
                "smtp_host": self.host,
                "smtp_port": self.port,
                "smtp_security": SmtpSecurity.none,
                "smtp_username": "",
            }
        )

    def __enter__(self) -> MailCatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def catcher_dir(settings: Settings) -> Path:
    """Where the embedded catcher keeps its Maildir: DATA_DIR/catcher."""
    return settings.data_dir / "catcher"
