"""A rendered variant, personalised per recipient by splicing (``PreparedVariant``).

The variant's message is laid out once (``mime.layout``) as bytes and the places where
a recipient's values go; ``personalize`` fills them for one recipient, each value
checked or escaped for where it goes, encoded once in quoted-printable form; see
``newsletter.render.splice``. Nothing here renders: a process that only sends imports
this module and the splice, never the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.render.contract import Personalization, Spliced, dot_stuffed
from newsletter.render.greeting import Greeting
from newsletter.render.mime import BodyBlock, BodyLine, HeaderMark, MessagePiece
from newsletter.render.splice import (
    CRLF,
    MAX_LINE,
    LineTemplate,
    Slot,
    address_header,
    check_click_person,
    clean_name,
    list_unsubscribe_header,
    message_id_header,
    qp_fit,
    text_forms,
    url_forms,
)
from newsletter.render.variant import RenderedVariant

#: what quoted-printable encodes at the end of a line (``qp_fit``); "" is not one
WHITESPACE = (" ", "\t")


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
        # the segments as one list of bytes, with the indexes where a recipient's values go
        self._parts: list[bytes] = []
        self._to = self._message_id = self._unsubscribe = -1
        #: (index, line, is in the HTML part)
        self._lines: list[tuple[int, LineTemplate, bool]] = []
        #: (index, encoded lines) kept for a recipient with an RSVP link
        self._rsvp_blocks: list[tuple[int, bytes]] = []
        #: lines whose only value is the web version's link (the same for every reader of a
        #: language): encoded once per link, kept in ``_web_lines`` with the link's forms
        self._web_only: list[tuple[int, LineTemplate, bool]] = []
        self._web_lines: dict[str, tuple[str, str, list[tuple[int, bytes]]]] = {}
        for segment in self.segments:
            index = len(self._parts)
            self._parts.append(b"")
            if type(segment) is bytes:
                self._parts[index] = segment
            elif type(segment) is BodyLine:
                template = segment.template
                slots = {piece for piece in template.pieces if isinstance(piece, Slot)}
                if slots == {Slot.web_url} and template.when is None:
                    self._web_only.append((index, template, segment.html))
                else:
                    self._lines.append((index, template, segment.html))
            elif type(segment) is BodyBlock:
                if segment.when is not Slot.rsvp_url:
                    raise ValueError(f"no conditional block on {segment.when}")
                self._rsvp_blocks.append((index, segment.data))
            elif segment is HeaderMark.to:
                self._to = index
            elif segment is HeaderMark.message_id:
                self._message_id = index
            else:
                self._unsubscribe = index
        if min(self._to, self._message_id, self._unsubscribe) < 0:
            raise ValueError("a message layout without its To, Message-ID or List-Unsubscribe")
        for _index, line, _html in self._lines:
            if line.when not in (None, Slot.rsvp_url):
                raise ValueError(f"no conditional line on {line.when}")
        #: lines with one value: (index, prefix, position of the value, suffix, kept only
        #: with an RSVP link); other lines: (index, positional pattern, kept only with…)
        #: (``LineTemplate.compiled``)
        self._single: list[tuple[int, str, int, str, bool]] = []
        self._patterns: list[tuple[int, str, bool]] = []
        for index, line, is_html in self._lines:
            compiled = line.compiled(is_html)
            if isinstance(compiled, str):
                self._patterns.append((index, compiled, line.when is not None))
            else:
                self._single.append((index, *compiled, line.when is not None))
        #: the pieces of a recipient's own (their values, the RSVP blocks), the same for all
        self._own = tuple(
            index for index, segment in enumerate(self.segments) if type(segment) is not bytes
        )
        for piece in [*self._parts, *(data for _index, data in self._rsvp_blocks)]:
            if piece and not _whole_crlf_lines(piece):
                raise ValueError("a message piece that is not whole CRLF lines")
        #: the pieces as they go after SMTP DATA, dot-stuffed once for every reader
        self._stuffed = tuple(dot_stuffed(piece) for piece in self._parts)

    def _web_version(self, url: str) -> tuple[str, str, list[tuple[int, bytes]]]:
        """The forms of a web version link (checked) and the lines that only hold it."""
        html_form, text_form = url_forms(url)
        forms = {"web_url": html_form}, {"web_url": text_form}
        pieces = [
            (index, line.encode(forms[0] if is_html else forms[1]))
            for index, line, is_html in self._web_only
        ]
        if len(self._web_lines) >= 8:
            self._web_lines.clear()
        found = self._web_lines[url] = (html_form, text_form, pieces)
        return found

    def personalize(self, values: Personalization) -> bytes:
        """The exact bytes one recipient gets (CRLF line ends, ready for SMTP DATA)."""
        return b"".join(self.splice(values).pieces)

    def splice(self, values: Personalization) -> Spliced:
        """The message of one recipient as pieces (``personalize`` joins them).

        Every value is checked or escaped for where it goes: links by ``url_forms``
        (refused unless plain printable ASCII), the greeting escaped for HTML, the
        headers built by the ``splice`` header functions; then put in quoted-printable
        form once, whatever the number of lines that show it.
        """
        name = clean_name(values.name)
        greeting = self.greeting.to(name)
        unsubscribe = values.unsubscribe_url
        html_unsubscribe, text_unsubscribe = url_forms(unsubscribe)
        html_preferences, text_preferences = url_forms(values.preferences_url)
        rsvp = values.rsvp_url
        html_rsvp, text_rsvp = url_forms(rsvp) if rsvp else ("", "")
        # the web version's link is the same for every reader of a language: its forms
        # and its lines are made once per link (the link checked then)
        web = values.web_url
        web_lines = self._web_lines.get(web)
        if web_lines is None:
            web_lines = self._web_version(web)
        html_web, text_web, web_pieces = web_lines
        # "~" and URL-safe characters: the same in both parts, nothing to escape or quote
        person = check_click_person(values.click_person)
        html_greeting, text_greeting = text_forms(greeting)
        # in the order of ``SLOT_ORDER``: the HTML part's forms, then the text part's
        forms = (
            html_greeting,
            html_unsubscribe,
            html_preferences,
            html_web,
            html_rsvp,
            person,
            text_greeting,
            text_unsubscribe,
            text_preferences,
            text_web,
            text_rsvp,
            person,
        )
        out = self._parts.copy()
        for index, data in web_pieces:
            out[index] = data
        for index, head, position, tail, only_rsvp in self._single:
            if rsvp or not only_rsvp:
                line = head + forms[position] + tail
                if len(line) > MAX_LINE or line[-1:] in WHITESPACE:  # cut by qp_fit
                    line = qp_fit(line)
                out[index] = (line + CRLF).encode("ascii")
        for index, pattern, only_rsvp in self._patterns:
            if rsvp or not only_rsvp:
                out[index] = (qp_fit(pattern.format(*forms)) + CRLF).encode("ascii")
        if rsvp:
            for index, data in self._rsvp_blocks:
                out[index] = data
        out[self._to] = address_header("To", name, values.email, clean=True)
        out[self._message_id] = message_id_header(values.message_id)
        out[self._unsubscribe] = list_unsubscribe_header(unsubscribe, self.mailto)
        return Spliced(out, self._stuffed, self._own)


def _whole_crlf_lines(piece: bytes) -> bool:
    """Whether ``piece`` ends with CRLF and has no other CR or LF than its line ends."""
    ends = piece.count(b"\r\n")
    return piece.endswith(b"\r\n") and ends == piece.count(b"\n") == piece.count(b"\r")
