"""What the delivery stage needs from rendering: finished bytes plus cheap splicing.

An issue is rendered and CSS-inlined once per variant; ``PreparedMessage.personalize``
fills in the per-recipient values by substitution on the finished bytes (no MIME
re-encoding per recipient). Preview, test send and real send all go through it.

A send takes ``PreparedMessage.splice`` instead: the same message as the list of its
pieces (``Spliced``), never joined into one bytes object by the renderer, with the pieces
already in the form they take after SMTP ``DATA`` (dot-stuffed) wherever they are the same
for every reader of the variant. A transport that writes to a socket takes ``wire()``;
one that stores the message takes ``bytes(message)`` (see ``delivery.transport.Message``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

#: the line that ends the data of an SMTP transaction (RFC 5321 §4.1.1.4)
END_OF_DATA = b".\r\n"


def dot_stuffed(piece: bytes) -> bytes:
    """``piece`` (whole CRLF lines) as it travels after DATA: every line that starts with
    a dot gets one more (RFC 5321 §4.5.2)."""
    if piece[:1] == b".":
        piece = b"." + piece
    if b"\n." in piece:
        piece = piece.replace(b"\n.", b"\n..")
    return piece


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a microsecond to make
class Spliced:
    """One recipient's message as pieces: ``bytes(spliced)`` is the message.

    Every piece is whole lines, CRLF-ended (so each piece starts a line), and the pieces
    hold CRLF line ends only: what a value spliced in could carry is escaped or refused
    before it gets there (``render.splice``). ``stuffed`` are the variant's pieces
    dot-stuffed once for every reader (at the indexes of ``own``, anything: those pieces
    are this recipient's, stuffed by ``wire``).
    """

    pieces: list[bytes]
    stuffed: Sequence[bytes]
    own: Sequence[int]

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces)

    def __len__(self) -> int:
        """The size of the message in bytes."""
        return sum(map(len, self.pieces))

    def wire(self) -> list[bytes]:
        """The pieces as they go after SMTP ``DATA``, the final ``.`` line included: the
        same bytes as ``delivery.smtp.wire_body(bytes(self))`` (a test compares them)."""
        out = list(self.stuffed)
        pieces = self.pieces
        for index in self.own:
            out[index] = dot_stuffed(pieces[index])
        out.append(END_OF_DATA)
        return out


@dataclass(slots=True)  # not frozen: a send makes one per recipient, frozen costs 2 µs
class Personalization:
    """Per-recipient values spliced into a prepared message (read, never changed)."""

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

    def splice(self, values: Personalization) -> bytes | Spliced:
        """The same message for a send: ``bytes(splice(v)) == personalize(v)``."""
        ...
