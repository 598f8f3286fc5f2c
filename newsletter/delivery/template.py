"""A prepared message made from a bytes template with ``{{field}}`` placeholders.

Used where no rendered issue is involved (benchmarks, transport tests, plain notices):
the template is split at its placeholders once, and each recipient's bytes are the
literal segments joined with that recipient's values. Placeholders: ``to`` (the whole
To header value, RFC 2047-encoded when needed), ``email``, ``name``, ``message_id``,
``unsubscribe_url``, ``preferences_url``, ``web_url``. The body must be 7/8-bit text
(no quoted-printable or base64 around a placeholder).

``splice`` gives the message as pieces (``Spliced``), as a rendered issue's variant
does: the lines without a placeholder dot-stuffed once, the lines with one made per
recipient, so a send scans none of the message again. A template that is not all CRLF
lines, or a value holding a line break, gives plain bytes instead.
"""

from __future__ import annotations

import re
from email.utils import formataddr

from newsletter.render.contract import Personalization, Spliced, dot_stuffed

_PLACEHOLDER = re.compile(rb"\{\{(\w+)\}\}")
FIELDS = frozenset(
    {"to", "email", "name", "message_id", "unsubscribe_url", "preferences_url", "web_url"}
)


class TemplateMessage:
    """``PreparedMessage`` over a bytes template (CRLF line ends expected)."""

    def __init__(self, template: bytes, language: str = "fr") -> None:
        parts = _PLACEHOLDER.split(template)
        self._literals: list[bytes] = parts[0::2]
        self._fields: list[str] = [p.decode("ascii") for p in parts[1::2]]
        unknown = set(self._fields) - FIELDS
        if unknown:
            raise ValueError(f"unknown placeholders: {sorted(unknown)}")
        self._language = language
        self._to = "to" in self._fields
        self._pieces = _Pieces(template) if _crlf_lines(template) else None

    @property
    def language(self) -> str:
        return self._language

    @property
    def rsvp_assembly_id(self) -> int | None:
        return None

    def splice(self, values: Personalization) -> bytes | Spliced:
        pieces = self._pieces
        if pieces is None:
            return self.personalize(values)
        fields = _values(values, self._to)
        if any("\r" in value or "\n" in value for value in fields.values()):
            return self.personalize(values)
        return pieces.splice(fields)

    def personalize(self, values: Personalization) -> bytes:
        literals = self._literals
        out = [literals[0]]
        fields = _values(values, self._to)
        for index, field in enumerate(self._fields, start=1):
            out.append(fields[field].encode("utf-8"))
            out.append(literals[index])
        return b"".join(out)


def _values(values: Personalization, to: bool) -> dict[str, str]:
    """The value of each placeholder (``to`` only when the template has one)."""
    out = {
        "email": values.email,
        "name": values.name,
        "message_id": values.message_id,
        "unsubscribe_url": values.unsubscribe_url,
        "preferences_url": values.preferences_url,
        "web_url": values.web_url,
    }
    if to:
        out["to"] = formataddr((values.name, values.email), charset="utf-8")
    return out


def _crlf_lines(template: bytes) -> bool:
    """Whether ``template`` is whole CRLF lines and nothing else."""
    crlf = template.count(b"\r\n")
    return template.endswith(b"\r\n") and crlf == template.count(b"\n") == template.count(b"\r")


class _Pieces:
    """The template as pieces of whole lines: runs of lines without a placeholder
    (dot-stuffed once), and each line with one, filled in per recipient."""

    def __init__(self, template: bytes) -> None:
        self.pieces: list[bytes] = []
        #: per recipient line: its index in ``pieces``, literals and fields
        self.lines: list[tuple[int, list[bytes], list[str]]] = []
        run: list[bytes] = []
        for line in template.splitlines(keepends=True):
            if b"{{" not in line or not _PLACEHOLDER.search(line):
                run.append(line)
                continue
            if run:
                self.pieces.append(b"".join(run))
                run = []
            parts = _PLACEHOLDER.split(line)
            self.lines.append((len(self.pieces), parts[0::2], [p.decode() for p in parts[1::2]]))
            self.pieces.append(b"")
        if run:
            self.pieces.append(b"".join(run))
        self.own = [index for index, _literals, _fields in self.lines]
        self.stuffed = [dot_stuffed(piece) for piece in self.pieces]

    def splice(self, fields: dict[str, str]) -> Spliced:
        pieces = list(self.pieces)
        for index, literals, names in self.lines:
            out = [literals[0]]
            for position, name in enumerate(names, start=1):
                out.append(fields[name].encode("utf-8"))
                out.append(literals[position])
            pieces[index] = b"".join(out)
        return Spliced(pieces, self.stuffed, self.own)
