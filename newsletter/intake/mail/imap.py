"""The submissions mailbox over IMAP (imap-tools): list, fetch, move to a folder.

TLS by default (``IMAP_SECURITY=tls``), STARTTLS or plain for a local server. Messages
are fetched with ``BODY.PEEK`` (never marked seen by us) one at a time, after their
size is known: a message over the limit is fetched as headers only. Once recorded, a
message moves to ``Processed`` or ``Quarantine`` (created when missing, at the top or
under INBOX when the server keeps folders there).
"""

from __future__ import annotations

import contextlib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError

from newsletter.config import Settings, SmtpSecurity
from newsletter.errors import ConfigurationError, NewsletterError
from newsletter.i18n import N_

PROCESSED = "Processed"
QUARANTINE = "Quarantine"
TIMEOUT = 60.0
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_UID = re.compile(rb"UID (\d+)")


class MailboxError(NewsletterError):
    """The IMAP server could not be reached or refused a command."""


@dataclass(frozen=True)
class Listed:
    uid: int
    size: int


class Mailbox:
    """One connection to the submissions mailbox, opened with ``with``."""

    def __init__(self, settings: Settings) -> None:
        if not settings.imap_host:
            raise ConfigurationError(N_("No IMAP server configured (NEWSLETTER_IMAP_HOST)."))
        self.settings = settings
        self.folder = settings.imap_folder
        self.box: Any = None
        self.folders: dict[str, str] = {}

    def __enter__(self) -> Mailbox:
        s = self.settings
        box: Any = None
        try:
            if s.imap_security is SmtpSecurity.none:
                box = MailBoxUnencrypted(s.imap_host, s.imap_port, timeout=TIMEOUT)
            elif s.imap_security is SmtpSecurity.starttls:
                box = MailBoxStartTls(
                    s.imap_host, s.imap_port, timeout=TIMEOUT,
                    ssl_context=ssl.create_default_context(),
                )  # fmt: skip
            else:
                box = MailBox(
                    s.imap_host, s.imap_port, timeout=TIMEOUT,
                    ssl_context=ssl.create_default_context(),
                )  # fmt: skip
            box.login(s.imap_username, s.imap_password.get_secret_value(), initial_folder=None)
            box.folder.set(self.folder)
        except (ImapToolsError, OSError, ssl.SSLError) as error:
            client = getattr(box, "client", None)
            if client is not None:
                with contextlib.suppress(OSError):
                    client.shutdown()
            raise MailboxError(
                N_("Cannot read the mailbox {user}@{host}:{port}: {error}"),
                user=s.imap_username,
                host=s.imap_host,
                port=s.imap_port,
                error=str(error),
            ) from error
        self.box = box
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.box is not None:
            with contextlib.suppress(ImapToolsError, OSError):
                self.box.logout()
            self.box = None

    # --- folders ---------------------------------------------------------------------
    def ensure_folders(self) -> dict[str, str]:
        """Names of the Processed and Quarantine folders, created when missing."""
        listed = {f.name: f.delim for f in self.box.folder.list()}
        delim = next(iter(listed.values()), ".") or "."
        for wanted in (PROCESSED, QUARANTINE):
            under_inbox = f"INBOX{delim}{wanted}"
            if wanted in listed:
                self.folders[wanted] = wanted
            elif under_inbox in listed:
                self.folders[wanted] = under_inbox
            else:
                try:
                    self.box.folder.create(wanted)
                    self.folders[wanted] = wanted
                except ImapToolsError:
                    self.box.folder.create(under_inbox)
                    self.folders[wanted] = under_inbox
        return self.folders

    def uidvalidity(self) -> int:
        status = self.box.folder.status(self.folder, ["UIDVALIDITY"])
        return int(status["UIDVALIDITY"])

    # --- messages --------------------------------------------------------------------
    def listing(self) -> list[Listed]:
        """UID and size of every message in the folder, oldest first."""
        result = self.box.client.uid("FETCH", "1:*", "(UID RFC822.SIZE)")
        if result[0] != "OK":
            raise MailboxError(
                N_("The IMAP server refused to list messages: {error}"), error=str(result)
            )
        found: dict[int, int] = {}
        for line in result[1]:
            data = line[0] if isinstance(line, tuple) else line
            if not isinstance(data, bytes):
                continue
            uid, size = _UID.search(data), _SIZE.search(data)
            if uid and size:
                found[int(uid.group(1))] = int(size.group(1))
        return [Listed(uid, found[uid]) for uid in sorted(found)]

    def fetch(self, uid: int, *, headers_only: bool = False) -> bytes:
        """The raw bytes of one message (or of its header), without marking it seen."""
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        result = self.box.client.uid("FETCH", str(uid), f"({part})")
        if result[0] != "OK":
            raise MailboxError(
                N_("The IMAP server refused to fetch message {uid}: {error}"),
                uid=uid,
                error=str(result),
            )
        for item in result[1]:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
                return item[1]
        raise MailboxError(N_("Message {uid} has disappeared from the mailbox."), uid=uid)

    def move(self, uid: int, folder_key: str) -> None:
        target = self.folders.get(folder_key, folder_key)
        self.box.move(str(uid), target)

    def count(self, folder: str) -> int:
        status = self.box.folder.status(self.folders.get(folder, folder), ["MESSAGES"])
        return int(status["MESSAGES"])

    def __iter__(self) -> Iterator[Listed]:
        return iter(self.listing())
