"""Text on its way into an XML, HTML or iCalendar document.

XML 1.0 allows no C0 control character but tab, line feed and carriage return, and no
U+FFFE/U+FFFF or lone surrogates; one of them (Word's vertical tab ``\\x0b`` for a line
break, a stray ``\\x0c`` from a PDF) makes the whole feed ill-formed. They carry no
meaning in our texts: a vertical tab or form feed becomes a line break, the others go.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 forbids removed (vertical tab and form feed
    become line breaks); unchanged, and fast, when there is none."""
    if value.isprintable():
        return value
    return _ILLEGAL.sub("", value.translate(_BREAKS))


def finalize(value: Any) -> Any:
    """Jinja2 ``finalize``: every ``{{ value }}`` of a template through ``xml_text``
    (HTML-safe markup stays markup)."""
    if not isinstance(value, str):
        return value
    cleaned = xml_text(value)
    if cleaned is value:
        return value
    if isinstance(value, Markup):
        # markup already escaped or sanitised: removing control characters adds no tag
        return Markup(cleaned)  # noqa: S704
    return cleaned
