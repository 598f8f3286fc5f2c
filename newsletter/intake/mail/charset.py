"""Bytes of a mail part or header to text, whatever charset was (or was not) declared.

Mail in the wild declares ISO-8859-1 but writes Windows-1252 (Outlook's curly quotes and
euro sign), declares nothing at all, or declares a charset Python does not know. The rule
here: trust a declaration that decodes cleanly, treat Latin-1 and ASCII as Windows-1252
(as browsers do), and otherwise try UTF-8, then detection, then Windows-1252.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

#: declared charsets that are read as Windows-1252 (its superset for printable text)
_LATIN1_ALIASES = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "cp819"})
_ASCII_ALIASES = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "646"})
#: Outlook and others label 8-bit text with these; they mean "unknown"
_UNKNOWN = frozenset({"", "unknown", "unknown-8bit", "x-unknown", "default", "none", "8bit"})


def normalise_charset(declared: str | None) -> str:
    """A Python codec name for a declared charset, or "" when it is unknown or absent."""
    name = (declared or "").strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return ""
    if name in _LATIN1_ALIASES:
        return "cp1252"
    if name in _ASCII_ALIASES:
        return "ascii"
    if name in {"ks_c_5601-1987", "ks_c_5601"}:
        return "cp949"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _cp1252_exact(data: bytes) -> str:
    """Windows-1252 with its five undefined bytes read as Latin-1 (never fails)."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
            for b in data
        )


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode ``data`` as text; never raises, never returns surrogates."""
    charset = normalise_charset(declared)
    if charset == "ascii":
        if data.isascii():
            return data.decode("ascii")
        charset = ""  # 8-bit data labelled ASCII: find out what it is
    if charset == "cp1252":
        # A Latin-1 label on UTF-8 bytes is a common mistake of web forms and scripts.
        if not data.isascii() and _looks_utf8(data):
            return data.decode("utf-8")
        return _cp1252_exact(data)
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    if data.isascii():
        return data.decode("ascii")
    if _looks_utf8(data):
        return data.decode("utf-8")
    western = _cp1252_exact(data)
    if _looks_western(western):
        return western
    guess = from_bytes(data).best()
    if guess is not None and guess.encoding and guess.encoding not in ("ascii", "utf_8"):
        try:
            return data.decode(guess.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return _cp1252_exact(data)


#: the non-ASCII characters of French, Dutch and their typography
_WESTERN = frozenset("àâäçéèêëîïôöùûüÿœæáíóúñÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ’‘“”–—…€«»°·")


def _looks_western(text: str) -> bool:
    """Mostly French/Dutch letters among the non-ASCII characters: Windows-1252."""
    high = [ch for ch in text if ord(ch) > 127]
    return bool(high) and sum(ch in _WESTERN for ch in high) >= 0.6 * len(high)


def _looks_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def unsurrogate(text: str) -> str:
    """Undo the ``surrogateescape`` that the email parser applies to 8-bit headers."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))
