"""A rendered variant, personalised per recipient by splicing (``PreparedVariant``).

The variant's message is laid out once (``mime.layout``) as bytes and the places where
a recipient's values go; ``personalize`` fills them for one recipient, each value
checked or escaped for where it goes, encoded once in quoted-printable form; see
``newsletter.render.splicer`` (the splice planned once per variant) and
``newsletter.render.splice``. Nothing here renders: a process that only sends imports
this module and the splice, never the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.render.contract import Personalization, Spliced
from newsletter.render.greeting import Greeting
from newsletter.render.mime import MessagePiece
from newsletter.render.splicer import VariantSplice
from newsletter.render.variant import RenderedVariant


@dataclass
class PreparedVariant:
    """One rendered variant; ``personalize`` gives a recipient's bytes (a PreparedMessage)."""

    language: str
    block: str
    subject: str
    rendered: RenderedVariant
    segments: list[MessagePiece] = field(repr=False)
    #: the greeting's forms in the variant's language (``render.greeting``)
    greeting: Greeting
    mailto: str
    #: the AG whose answer link (``Personalization.rsvp_url``) the invitation shows
    rsvp_assembly_id: int | None = None

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def text(self) -> str:
        return self.rendered.text

    def __post_init__(self) -> None:
        self._splice = VariantSplice(self.segments, self.greeting, self.mailto)

    def personalize(self, values: Personalization) -> bytes:
        """The exact bytes one recipient gets (CRLF line ends, ready for SMTP DATA)."""
        return b"".join(self._splice(values).pieces)

    def splice(self, values: Personalization) -> Spliced:
        """The message of one recipient as pieces (``personalize`` joins them); see
        ``splicer.VariantSplice``."""
        return self._splice(values)
