"""Header values of incoming mail: RFC 2047 decoding, titles, addresses, Message-IDs.

Everything that leaves this module is a single line of printable text: line breaks,
control characters and Unicode separators are folded to spaces, so that a value can
never smuggle a header into a message we write (header injection) or break a page.
"""

from __future__ import annotations

import binascii
import email.quoprimime
import re
from email.message import Message
from email.utils import getaddresses, parseaddr

from email_validator import EmailNotValidError, validate_email

from newsletter.intake.mail.charset import decode_bytes, unsurrogate
from newsletter.text import one_line

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
#: whitespace between two encoded words is not part of the text (RFC 2047 §6.2)
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_SPACES = re.compile(r"\s+")
#: reply and forward prefixes of the mail clients our partners use (fr, nl, en, de)
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tr|trans|réf|ref|aw|wg|antw|antwoord|doorst|rv|sv|vs|ynt)"
    r"\s*(?:\[\d+\])?\s*[:：]\s*|\[(?:fwd?|tr)[^\]]*\]\s*)+",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(r"^\s*(?:re\s*:\s*)*(?:fw|fwd|tr|trans|wg|doorst)\s*:", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|antw|antwoord|sv|rv)\s*:", re.IGNORECASE)
_MSGID = re.compile(r"<([^<>\s]{1,250}@[^<>\s]{1,250})>")
_ANGLE_ADDRESS = re.compile(r"^(.*)<([^<>\s]+@[^<>\s]+)>\s*$")
TITLE_MAX = 300


def _decode_word(charset: str, encoding: str, text: str) -> str:
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*fr?Q?…?=
    try:
        if encoding.lower() == "b":
            padded = text + "=" * (-len(text) % 4)
            data = binascii.a2b_base64(padded.encode("ascii", "replace"))
        else:
            data = email.quoprimime.header_decode(text).encode("latin-1", "replace")
    except (binascii.Error, ValueError):
        return text
    return decode_bytes(data, charset)


def decode_header_value(value: str | None) -> str:
    """Decode RFC 2047 encoded words and stray 8-bit bytes; tolerant of broken input."""
    if not value:
        return ""
    text = unsurrogate(str(value))
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    return _ENCODED_WORD.sub(lambda m: _decode_word(m.group(1), m.group(2), m.group(3)), text)


def raw_values(message: Message, name: str) -> list[str]:
    """Every value of a header as received (8-bit bytes kept as surrogates)."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def raw_value(message: Message, name: str) -> str | None:
    values = raw_values(message, name)
    return values[0] if values else None


def header(message: Message, name: str) -> str:
    """The first value of a header, decoded and on one line ("" when absent)."""
    value = raw_value(message, name)
    return one_line(decode_header_value(value)) if value is not None else ""


def strip_subject_prefixes(subject: str) -> str:
    return _PREFIX.sub("", subject).strip()


def is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD_PREFIX.match(subject))


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject)) and not is_forward_subject(subject)


def make_title(subject: str) -> str:
    """A news title from a decoded subject: one line, no Re:/Fwd:/TR:, at most 300 chars."""
    title = strip_subject_prefixes(one_line(subject))
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return title


def clean_address(address: str) -> str:
    """A syntactically valid address (lower-cased domain) or "" — never with CR/LF."""
    address = address.strip().strip("<>").strip()
    if not address or any(ch.isspace() or ord(ch) < 32 for ch in address):
        return ""
    try:
        result = validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return ""
    return str(result.normalized)


def sender(message: Message) -> tuple[str, str]:
    """(display name, address) of the author: From, else Sender; address "" if invalid."""
    for name in ("From", "Sender"):
        raw = raw_value(message, name)
        if raw is None:
            continue
        value = unsurrogate(raw).replace("\r", " ").replace("\n", " ")
        display, address = parseaddr(value)
        address = clean_address(address)
        if not address:
            # an encoded display name that decodes to ":" or "," confuses parseaddr
            angle = _ANGLE_ADDRESS.search(value)
            if angle:
                address = clean_address(angle.group(2))
                display = angle.group(1).strip().strip('"')
        if address:
            return one_line(decode_header_value(display)), address
    return "", ""


def addresses(message: Message, *names: str) -> list[str]:
    """Every valid address found in the given headers, in order."""
    found: list[str] = []
    for name in names:
        values = [unsurrogate(v) for v in raw_values(message, name)]
        for _display, address in getaddresses(values):
            cleaned = clean_address(address)
            if cleaned and cleaned not in found:
                found.append(cleaned)
    return found


def message_id(message: Message) -> str:
    """The Message-ID without angle brackets, or "" when absent or malformed."""
    raw = raw_value(message, "Message-ID") or ""
    match = _MSGID.search(unsurrogate(raw))
    if not match:
        return ""
    value = match.group(1)
    return value if value.isascii() and value.isprintable() else ""
