"""A prepared message made from a bytes template with ``{{field}}`` placeholders.

Used where no rendered issue is involved (benchmarks, transport tests, plain notices):
the template is split at its placeholders once, and each recipient's bytes are the
literal segments joined with that recipient's values. Placeholders: ``to`` (the whole
To header value, RFC 2047-encoded when needed), ``email``, ``name``, ``message_id``,
``unsubscribe_url``, ``preferences_url``, ``web_url``. The body must be 7/8-bit text
(no quoted-printable or base64 around a placeholder).
"""

from __future__ import annotations

import re
from email.utils import formataddr

from newsletter.render.contract import Personalization

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

    @property
    def language(self) -> str:
        return self._language

    @property
    def rsvp_assembly_id(self) -> int | None:
        return None

    def splice(self, values: Personalization) -> bytes:
        return self.personalize(values)

    def personalize(self, values: Personalization) -> bytes:
        literals = self._literals
        out = [literals[0]]
        for index, field in enumerate(self._fields, start=1):
            if field == "to":
                value = formataddr((values.name, values.email), charset="utf-8")
            else:
                value = getattr(values, field)
            out.append(value.encode("utf-8"))
            out.append(literals[index])
        return b"".join(out)
