"""Per-recipient substitution on finished message bytes (no MIME work per recipient).

A variant is rendered with placeholder words where per-recipient values go; the words
carry a random nonce drawn for that render (``Markers``), so that text from outside,
whatever it contains, is never taken for one. Each body
(HTML, text) is cut into lines *before* transfer encoding: lines without a placeholder
are quoted-printable-encoded once; a line with placeholders is kept as a template and
encoded per recipient. Quoted-printable works line by line, so the joined result is
byte for byte what the ``email`` package produces for the whole body (a test checks it).

Header values that vary (To, Message-ID, List-Unsubscribe) are built here with strict
checks: no value can carry CR, LF or another control character into the header block.
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
from dataclasses import dataclass
from email import quoprimime
from enum import StrEnum

from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.text import one_line

CRLF = "\r\n"
#: the policy's line length; quoted-printable wraps at it (soft line breaks)
MAX_LINE = 78


class Slot(StrEnum):
    """Per-recipient values a template may contain."""

    greeting = "greeting"
    unsubscribe_url = "unsubscribe_url"
    preferences_url = "preferences_url"
    web_url = "web_url"
    rsvp_url = "rsvp_url"
    #: the reader's part of a counted link (individual click tracking only, ``clicks``)
    click_person = "click_person"


#: lines between ``{{ slot.if_rsvp }}`` and ``{{ slot.end_if }}`` (each on a line of its
#: own) are kept only for a recipient who has an RSVP link
NONCE_BYTES = 12


@dataclass(frozen=True, slots=True)
class Markers:
    """The placeholder words of one render, each carrying a random nonce.

    A marker is ``QZ`` + a name + the nonce + ``QZ``: letters and digits only, so no
    escaping, inlining or encoding alters it. The nonce is drawn when a variant is
    rendered, after its content was read, and never leaves the process: no text from
    outside (a news item, a title, a file name) can contain a marker of the render it
    goes into, so the splice only ever finds the template's own.
    """

    nonce: str
    words: dict[Slot, str]
    if_rsvp: str
    end_if: str
    find: re.Pattern[str]
    by_word: dict[str, Slot]

    @classmethod
    def new(cls, nonce: str | None = None) -> Markers:
        nonce = nonce or secrets.token_hex(NONCE_BYTES).upper()
        if not nonce.isalnum() or not nonce.isascii():
            raise ValueError("a marker nonce is letters and digits")
        words = {slot: f"QZSLOT{slot.name.upper().replace('_', '')}{nonce}QZ" for slot in Slot}
        return cls(
            nonce=nonce,
            words=words,
            if_rsvp=f"QZIFRSVP{nonce}QZ",
            end_if=f"QZENDIF{nonce}QZ",
            find=re.compile("|".join(words.values())),
            by_word={word: slot for slot, word in words.items()},
        )

    def context(self) -> dict[str, str]:
        """The ``slot`` object of the templates: ``{{ slot.greeting }}``, ``{{ slot.if_rsvp }}``…"""
        return {slot.value: word for slot, word in self.words.items()} | {
            "if_rsvp": self.if_rsvp,
            "end_if": self.end_if,
        }


#: values for one part, already in the part's form (escaped for HTML), as latin-1 text,
#: keyed by slot name
PartValues = dict[str, str]


#: per-character quoted-printable form of a body octet (latin-1 view), as the ``email``
#: package's ``quoprimime.body_encode`` makes it (a list: ``str.translate`` indexes it)
_QP_TABLE = [
    f"={c:02X}" if quoprimime.body_check(c) and c not in b"\r\n" else chr(c) for c in range(256)
]


def qp_line(line: str) -> str:
    """One source line (latin-1 view of UTF-8 bytes) quoted-printable-encoded, CRLF soft breaks.

    The same output as ``email.quoprimime.body_encode`` (what ``set_content`` uses) for
    one line, written out here so that a short line costs one ``translate``.
    """
    return qp_fit(line.translate(_QP_TABLE))


def qp_fit(line: str) -> str:
    """A line already translated octet by octet (``_QP_TABLE``), cut at 76 characters with
    soft line breaks and its trailing whitespace encoded, as ``body_encode`` does.

    Translation works octet by octet, so the pieces of a line can be translated apart
    (the static text once, a recipient's value once) and joined before this step.
    """
    if not line or (len(line) <= MAX_LINE and line[-1] not in " \t"):
        return line
    if line.find("=", MAX_LINE - 3) < 0 and line[-1] not in " \t":
        # no escape where a cut could fall: pieces of MAX_LINE - 1 characters, each with
        # its soft line break, and the rest (up to MAX_LINE characters): the loop's result
        cut = MAX_LINE - 1
        if len(line) <= 2 * cut + 1:  # one cut (a link on a line of its own)
            return line[:cut] + "=\r\n" + line[cut:]
        full = (len(line) - 2) // cut  # the loop's turns
        heads = [line[start : start + cut] for start in range(0, full * cut, cut)]
        return "=\r\n".join([*heads, line[full * cut :]])
    pieces: list[str] = []
    start = 0
    last_start = len(line) - 1 - MAX_LINE
    while start <= last_start:
        stop = start + MAX_LINE - 1
        if line[stop - 2] == "=":  # never cut an escape sequence
            pieces.append(line[start : stop - 1])
            start = stop - 2
        elif line[stop - 1] == "=":
            pieces.append(line[start:stop])
            start = stop - 1
        else:
            pieces.append(line[start:stop] + "=")
            start = stop
    if line[-1] in " \t":  # trailing whitespace is encoded, as body_encode does
        room = start - last_start
        quoted = f"={ord(line[-1]):02X}"
        if room >= 3:
            tail = quoted
        elif room == 2:
            tail = line[-1] + "=" + CRLF
        else:
            tail = "=" + CRLF + quoted
        pieces.append(line[start:-1] + tail)
    else:
        pieces.append(line[start:])
    return CRLF.join(pieces)


@dataclass(frozen=True, slots=True)
class LineTemplate:
    """A body line with placeholders: literal pieces and slots, alternating."""

    pieces: tuple[str | Slot, ...]
    #: the line is kept only when this slot has a value (see IF_RSVP)
    when: Slot | None = None
    #: the same line as a ``str.format_map`` pattern over slot names, its literal pieces
    #: already translated to quoted-printable (built once)
    pattern: str = ""

    def encode(self, values: PartValues) -> bytes:
        """The encoded line; ``values`` in their quoted-printable form (``qp_text``)."""
        return (qp_fit(self.pattern.format_map(values)) + CRLF).encode("ascii")

    def compiled(self, html: bool) -> tuple[str, int, str] | str:
        """The line over a recipient's values given by position (``SLOT_ORDER``: the HTML
        part's forms, then the text part's): ``(prefix, position, suffix)`` for a line
        with one value, else a ``str.format`` pattern; literal text already translated
        to quoted-printable, as in ``pattern``."""
        offset = 0 if html else len(SLOT_ORDER)
        slots = [piece for piece in self.pieces if isinstance(piece, Slot)]
        if len(slots) == 1:
            at = self.pieces.index(slots[0])
            head = [p.translate(_QP_TABLE) for p in self.pieces[:at] if not isinstance(p, Slot)]
            tail = [
                p.translate(_QP_TABLE) for p in self.pieces[at + 1 :] if not isinstance(p, Slot)
            ]
            return "".join(head), SLOT_ORDER.index(slots[0]) + offset, "".join(tail)
        return "".join(
            f"{{{SLOT_ORDER.index(p) + offset}}}"
            if isinstance(p, Slot)
            else p.translate(_QP_TABLE).replace("{", "{{").replace("}", "}}")
            for p in self.pieces
        )


#: the order of a recipient's values in the positions of ``LineTemplate.compiled``
SLOT_ORDER = (
    Slot.greeting,
    Slot.unsubscribe_url,
    Slot.preferences_url,
    Slot.web_url,
    Slot.rsvp_url,
    Slot.click_person,
)


def _pattern(pieces: tuple[str | Slot, ...]) -> str:
    return "".join(
        "{" + p.value + "}"
        if isinstance(p, Slot)
        else p.translate(_QP_TABLE).replace("{", "{{").replace("}", "}}")
        for p in pieces
    )


@dataclass(frozen=True, slots=True)
class Conditional:
    """Encoded lines kept only when ``when`` has a value for the recipient."""

    data: bytes
    when: Slot


def _template(line: str, when: Slot | None, markers: Markers) -> LineTemplate:
    pieces: list[str | Slot] = []
    position = 0
    for match in markers.find.finditer(line):
        if match.start() > position:
            pieces.append(line[position : match.start()])
        pieces.append(markers.by_word[match.group(0)])
        position = match.end()
    if position < len(line):
        pieces.append(line[position:])
    frozen = tuple(pieces)
    return LineTemplate(frozen, when, _pattern(frozen))


BodySegment = bytes | LineTemplate | Conditional


def split_body(text: str, markers: Markers) -> list[BodySegment]:
    """A body with placeholders → encoded static chunks and per-recipient line templates.

    The text is normalised as the ``email`` package does for ``set_content``: UTF-8
    bytes split on line ends, every line ended, including the last one. Marker lines
    (IF_RSVP, END_IF) open and close a block kept only for some recipients; they are
    never part of the message.
    """
    segments: list[BodySegment] = []
    static: list[str] = []
    when: Slot | None = None

    def flush() -> None:
        if static:
            data = (CRLF.join(qp_line(s) for s in static) + CRLF).encode("ascii")
            segments.append(data if when is None else Conditional(data, when))
            static.clear()

    for raw in text.encode("utf-8").splitlines():
        line = raw.decode("latin-1")
        marker = line.strip()
        if marker in (markers.if_rsvp, markers.end_if):
            flush()
            when = Slot.rsvp_url if marker == markers.if_rsvp else None
        elif markers.nonce in line:
            if markers.if_rsvp in line or markers.end_if in line:
                raise ValueError(
                    "template: slot.if_rsvp / slot.end_if must stand on a line of their own"
                )
            flush()
            segments.append(_template(line, when, markers))
        else:
            static.append(line)
    flush()
    return segments


def latin1(value: str) -> str:
    """The latin-1 view of a value's UTF-8 bytes (the form body lines are kept in)."""
    return value.encode("utf-8").decode("latin-1")


def qp_text(value: str) -> str:
    """A value's UTF-8 octets in quoted-printable form, before lines are cut (``qp_fit``)."""
    if not value.isascii():
        value = value.encode("utf-8").decode("latin-1")
    elif value.isprintable() and "=" not in value:  # printable ASCII but "=" stays itself
        return value
    return value.translate(_QP_TABLE)


_HTML_SPECIAL = re.compile(r"[&<>\"']")


def html_text(value: str) -> str:
    """A text for the HTML part: escaped for HTML, then in quoted-printable form."""
    return qp_text(html.escape(value, quote=True) if _HTML_SPECIAL.search(value) else value)


def text_forms(value: str) -> tuple[str, str]:
    """A text in its HTML-part and text-part forms (``html_text``, ``qp_text``), quoted once
    when nothing in it needs escaping for HTML (a name, most often)."""
    text = qp_text(value)
    return (html_text(value) if _HTML_SPECIAL.search(value) else text), text


def url_forms(url: str) -> tuple[str, str]:
    """A link checked (``check_url``), in its HTML-part and text-part forms (as ``html_text``
    and ``qp_text`` give them: a checked link holds printable ASCII without ``<>"'\\``, so
    only ``&`` is escaped and only ``=`` is quoted)."""
    check_url(url)
    text = url.replace("=", "=3D") if "=" in url else url
    return (text.replace("&", "&amp;") if "&" in text else text), text


def html_values(values: dict[Slot, str]) -> PartValues:
    return {slot.value: html_text(value) for slot, value in values.items()}


def text_values(values: dict[Slot, str]) -> PartValues:
    return {slot.value: qp_text(value) for slot, value in values.items()}


# --- headers ---------------------------------------------------------------------------

# ``\Z``, not ``$`` (which also matches before a final line feed): nothing after the value
_ADDR = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\Z")
_MSGID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>\Z")
#: printable ASCII without ``"'<>\``
_URL = re.compile(r"https?://[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5b\x5d-\x7e]+\Z")
_ATEXT_PHRASE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z"
)
_EW_CHUNK = 42  # UTF-8 bytes per encoded word: 56 base64 chars, 68 with the wrapper


def check_address(email: str) -> str:
    if not _ADDR.match(email) or len(email) > 254:
        raise ValidationError(N_("Not a deliverable e-mail address: {email}"), email=email)
    return email


def check_url(url: str) -> str:
    if not _URL.match(url):
        raise ValidationError(N_("Not a usable link: {url}"), url=url)
    return url


_CLICK_PERSON = re.compile(r"~[A-Za-z0-9_.-]{1,300}\Z")


def check_click_person(value: str) -> str:
    """The reader's part of a counted link: empty, or ``~`` and a URL-safe token."""
    if value and not _CLICK_PERSON.match(value):
        raise ValidationError(N_("Not a usable link: {url}"), url=value)
    return value


def check_message_id(message_id: str) -> str:
    if not _MSGID.match(message_id) or len(message_id) > 250:
        raise ValidationError(N_("Not a valid Message-ID: {id}"), id=message_id)
    return message_id


def _b64_word(text: str) -> str:
    encoded = binascii.b2a_base64(text.encode("utf-8"), newline=False).decode("ascii")
    return "=?utf-8?b?" + encoded + "?="


def _split_bytes(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` UTF-8 bytes, never splitting a character."""
    pieces: list[str] = [""]
    for char in text:
        if pieces[-1] and len((pieces[-1] + char).encode("utf-8")) > limit:
            pieces.append("")
        pieces[-1] += char
    return pieces


def clean_name(name: str) -> str:
    """``one_line(name, 200)``, without its character walk for a name that is already one
    line of printable text (the usual case)."""
    if name.isprintable() and "  " not in name and len(name) <= 200:
        return name.strip()
    return one_line(name, 200)


def display_name(name: str) -> list[str]:
    """A display name as header words: atoms, a quoted string, or encoded words.

    ASCII words stay readable atoms; runs of other words become RFC 2047 encoded
    words that carry their separating spaces inside (whitespace *between* two encoded
    words is dropped by decoders), so every decoder gives back the same name.
    """
    return _display_words(clean_name(name))


def _is_atom(word: str) -> bool:
    """Whether ``word`` stays a readable atom (letters and digits: no regex needed)."""
    if word.isascii() and word.isalnum():
        return True
    return bool(_ATEXT_PHRASE.match(word)) and "=?" not in word


def _display_words(name: str) -> list[str]:
    """``display_name`` of a name already one clean line (``clean_name``)."""
    if not name:
        return []
    if name.isascii() and "=?" not in name:
        if _ATEXT_PHRASE.match(name):
            return [name]
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    words: list[str] = []
    run: list[str] = []  # consecutive words to encode, with their separating spaces
    for word in name.split(" "):
        if _is_atom(word):
            if run:
                words += _encoded_run(" ".join(run))
                run = []
            words.append(word)
        else:
            run.append(word)
    if run:
        words += _encoded_run(" ".join(run))
    return words


#: encoded words of the runs of names seen last (first names and surnames recur)
_RUNS: dict[str, tuple[str, ...]] = {}
_RUNS_KEPT = 4096


def _encoded_run(text: str) -> tuple[str, ...]:
    """``_encode_run``'s words for ``text``, encoded once for a run seen before."""
    found = _RUNS.get(text)
    if found is None:
        words: list[str] = []
        _encode_run(text, words)
        if len(_RUNS) >= _RUNS_KEPT:
            _RUNS.clear()
        found = _RUNS[text] = tuple(words)
    return found


def _encode_run(text: str, words: list[str]) -> None:
    """Words of ``text`` (non-ASCII or not atoms) as encoded words of at most
    ``_EW_CHUNK`` UTF-8 bytes, cut between words where possible, appended to ``words``."""
    if len(text.encode("utf-8")) <= _EW_CHUNK:
        words.append(_b64_word(text))  # one encoded word: what the loop below gives
        return
    chunk = ""
    for token in [t + " " for t in text.split(" ")[:-1]] + [text.split(" ")[-1]]:
        if chunk and len((chunk + token).encode("utf-8")) > _EW_CHUNK:
            words.append(_b64_word(chunk))
            chunk = ""
        if len(token.encode("utf-8")) > _EW_CHUNK:
            *full, chunk = _split_bytes(token, _EW_CHUNK)
            words.extend(_b64_word(piece) for piece in full)
        else:
            chunk += token
    if chunk:
        words.append(_b64_word(chunk))


def address_header(field: str, name: str, email: str, *, clean: bool = False) -> bytes:
    """``To: Name <email>``, folded under 78 characters where words allow it (``clean``:
    ``name`` is already ``clean_name``'s)."""
    return address_line(field, name, email, clean=clean).encode("ascii")


def address_line(field: str, name: str, email: str, *, clean: bool = False) -> str:
    """``address_header`` as text (ASCII, its CRLF line ends included)."""
    check_address(email)
    words = _display_words(name) if clean else display_name(name)
    if not words:
        return f"{field}: {email}{CRLF}"
    line = f"{field}: {' '.join(words)} <{email}>"
    if len(line) <= MAX_LINE:  # on one line: what the folding below gives
        return line + CRLF
    lines = [f"{field}:"]
    for word in [*words, f"<{email}>"]:
        if len(lines[-1]) + 1 + len(word) > MAX_LINE and lines[-1] != f"{field}:":
            lines.append("")
        lines[-1] += " " + word
    return CRLF.join(lines) + CRLF


def list_unsubscribe_header(url: str, mailto: str) -> bytes:
    """RFC 2369/8058: the HTTPS one-click URL first, then the mailto fallback."""
    check_url(url)
    return f"List-Unsubscribe: <{url}>,{CRLF} <{mailto}>{CRLF}".encode("ascii")


def message_id_header(message_id: str) -> bytes:
    return f"Message-ID: {check_message_id(message_id)}{CRLF}".encode("ascii")
