"""What the delivery stage needs from rendering: finished bytes plus cheap splicing.

An issue is rendered and CSS-inlined once per variant; ``PreparedMessage.personalize``
fills in the per-recipient values by substitution on the finished bytes (no MIME
re-encoding per recipient). Preview, test send and real send all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Personalization:
    """Per-recipient values spliced into a prepared message."""

    email: str
    name: str
    message_id: str  # "<local@domain>", deterministic per (issue, recipient)
    unsubscribe_url: str
    preferences_url: str
    web_url: str
    #: answer link of the AG the issue invites to (``links.rsvp_url``); empty: no RSVP block
    rsvp_url: str = ""
    #: the reader's part of the counted links (``links.click_person``), only with
    #: individual click tracking; empty: the links say nothing about who follows them
    click_person: str = ""


class PreparedMessage(Protocol):
    """One rendered variant of an issue (language × segment-specific blocks)."""

    @property
    def language(self) -> str: ...

    @property
    def rsvp_assembly_id(self) -> int | None:
        """The AG whose invitation this variant carries (its RSVP link is personal)."""
        ...

    def personalize(self, values: Personalization) -> bytes:
        """The exact bytes a recipient gets (CRLF line ends, ready for SMTP DATA)."""
        ...
