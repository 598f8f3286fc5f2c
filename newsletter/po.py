"""A reader of the gettext catalogues (``.po``) into the look-up table gettext uses.

Babel reads the catalogues where they are written and checked (extraction, the catalogue
tests); every process that translates only needs each message's translation, and Babel's
reader and its ``.mo`` writer took ~90 ms per language at start-up, paid by the first
page or e-mail in that language. This reader does the same work in a few milliseconds:
the table it gives is the one gettext builds from the ``.mo`` file Babel writes for the
same catalogues (``tests/test_i18n.py`` compares them), with Babel's reading rules —
lines stripped, ``\\n \\t \\r \\" \\\\`` escapes, fuzzy and empty translations left out,
obsolete (``#~``) entries ignored, the first catalogue's translation of a message kept
(a plural one replacing a singular one), empty plural forms falling back to the ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPE = re.compile(r'\\([\\trn"])')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


def _unquote(text: str, where: str) -> str:
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: a quoted string was expected")
    return _ESCAPE.sub(lambda match: _ESCAPES[match.group(1)], text[1:-1])


@dataclass
class Entry:
    """One message of a catalogue."""

    context: str | None = None
    msgid: str = ""
    plural: str | None = None
    #: translations by plural index (0 only for a message without plural)
    strings: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


def read_entries(path: Path) -> Iterator[Entry]:
    """The entries of one ``.po`` file (the header, msgid "", included)."""
    entry: Entry | None = None
    fuzzy = False
    #: what a continuation line (``"…"``) extends: ("msgctxt"|"msgid"|"msgid_plural"|index)
    target: str | int | None = None

    def extend(text: str) -> None:
        assert entry is not None
        if target == "msgctxt":
            entry.context = (entry.context or "") + text
        elif target == "msgid":
            entry.msgid += text
        elif target == "msgid_plural":
            entry.plural = (entry.plural or "") + text
        elif isinstance(target, int):
            entry.strings[target] += text

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                fuzzy = True
            continue
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{where}: a string outside an entry")
            extend(_unquote(line, where))
            continue
        keyword, _, rest = line.partition(" ")
        rest = rest.lstrip()
        if keyword in ("msgctxt", "msgid") and (
            entry is None or entry.strings or (keyword == "msgid" and entry.msgid)
        ):
            if entry is not None:
                yield entry
            entry = Entry(fuzzy=fuzzy)
            fuzzy = False
        if entry is None:
            raise ValueError(f"{where}: {keyword} before msgid")
        if keyword == "msgctxt":
            entry.context, target = _unquote(rest, where), "msgctxt"
        elif keyword == "msgid":
            entry.msgid, target = _unquote(rest, where), "msgid"
        elif keyword == "msgid_plural":
            entry.plural, target = _unquote(rest, where), "msgid_plural"
        elif keyword == "msgstr":
            entry.strings[0], target = _unquote(rest, where), 0
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:].rstrip("]"))
            entry.strings[index], target = _unquote(rest, where), index
        else:
            raise ValueError(f"{where}: unknown keyword {keyword!r}")
    if entry is not None:
        yield entry


def message_table(paths: Iterable[Path], plurals: int) -> dict[str | tuple[str, int], str]:
    """gettext's table (``GNUTranslations._catalog``) of the catalogues, merged in order."""
    merged: dict[tuple[str | None, str], Entry] = {}
    for path in paths:
        for entry in read_entries(path):
            if not entry.msgid or entry.fuzzy:
                continue
            if entry.plural is None and not entry.strings.get(0):
                continue
            place = (entry.context, entry.msgid)
            known = merged.get(place)
            # as Babel's catalogue: the first translation stays, unless a plural one comes
            if known is None or (entry.plural is not None and known.plural is None):
                merged[place] = entry
    table: dict[str | tuple[str, int], str] = {}
    for (context, msgid), entry in merged.items():
        key = msgid if context is None else f"{context}\x04{msgid}"
        if entry.plural is None:
            table[key] = entry.strings[0]
            continue
        ids = (msgid, entry.plural)
        for index in range(plurals):
            table[(key, index)] = entry.strings.get(index) or ids[min(index, 1)]
    return table
