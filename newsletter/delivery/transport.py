"""The transport seam: hand finished bytes to a mail server, get one result per recipient.

Every transport implements ``async send(message, sender, recipients)``. The message is
bytes, or the pieces of a spliced issue (``Spliced``): ``bytes(message)`` is the message
either way, and a transport that writes to a socket takes ``Spliced.wire()`` (the pieces
already dot-stuffed) rather than joining and scanning the whole message. A result says
``sent``, ``temporary`` (4xx reply, lost connection, timeout: retry with backoff) or
``permanent`` (5xx reply: stop and record the server's reply).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from newsletter.render.contract import Spliced

#: what a transport is given: the message bytes, or the pieces of a spliced message
Message = bytes | Spliced


class Outcome(StrEnum):
    sent = "sent"
    temporary = "temporary"
    permanent = "permanent"


@dataclass(frozen=True, slots=True)
class RecipientResult:
    """What the server said about one recipient of one message."""

    recipient: str
    outcome: Outcome
    code: int
    reply: str

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.sent


def outcome_of(code: int) -> Outcome:
    """Classify an SMTP reply code: 2xx sent, 5xx permanent, anything else temporary."""
    if 200 <= code < 300:
        return Outcome.sent
    if 500 <= code < 600:
        return Outcome.permanent
    return Outcome.temporary


@dataclass(frozen=True, slots=True)
class Envelope:
    """A message's envelope sent ahead, behind the body before it (``Pipelining``):
    ``tag`` names the delivery it belongs to (unique among what is on the wire)."""

    tag: int
    sender: str
    recipients: tuple[str, ...]


class Transport(Protocol):
    """Where finished messages go: an SMTP relay, a Maildir, the embedded catcher."""

    async def send(
        self, message: Message, sender: str, recipients: Sequence[str]
    ) -> list[RecipientResult]:
        """Deliver ``message`` (CRLF lines) from envelope ``sender``; one result per
        recipient, in the order given. Never raises for a delivery failure."""
        ...

    async def close(self) -> None:
        """Release connections; the transport may not be used afterwards."""
        ...


@runtime_checkable
class Pipelining(Protocol):
    """A transport that can send the next message's envelope (MAIL, RCPT, DATA) behind
    the current body, in the same write (RFC 2920): one write and one read per message
    instead of two of each. The envelope sent ahead waits on its connection for the
    ``send`` that gives its ``tag``; a delivery that will not be sent after all
    (unsubscribed, the send paused) is ``forget``-ed: its connection is closed, so the
    server never gets a body for it."""

    async def send(
        self,
        message: Message,
        sender: str,
        recipients: Sequence[str],
        *,
        tag: int | None = None,
        then: Envelope | None = None,
    ) -> list[RecipientResult]:
        """``Transport.send``; ``tag``: the envelope may already be on the wire (sent
        as a ``then``); ``then``: send this envelope behind the body when the server
        allows it."""
        ...

    def forget(self, tag: int) -> None:
        """The envelope ``tag`` sent ahead will get no body: drop its connection."""
        ...


@runtime_checkable
class Probing(Protocol):
    """A transport that can tell whether its server answers (the SMTP pool)."""

    async def probe(self) -> bool:
        """True when the server answers now; never raises."""
        ...
