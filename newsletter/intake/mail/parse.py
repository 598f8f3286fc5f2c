"""A raw partner e-mail to the parts of a news item: title, body, image, attachments.

``parse_submission`` never raises on bad input: a message it cannot make sense of comes
back with ``problem`` set (the reason it goes to quarantine). The MIME tree is walked
with the lenient ``compat32`` parser; text parts are decoded with ``charset.decode_bytes``;
HTML goes through ``html.clean_html``; forwarded messages, inline or attached as
``message/rfc822``, give the body, and the forwarder's own words become a note.
"""

from __future__ import annotations

import email.errors
import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from newsletter.i18n import N_, Msg
from newsletter.intake.mail import headers as h
from newsletter.intake.mail.attachments import Candidate, Kind, classify, safe_filename
from newsletter.intake.mail.charset import decode_bytes, unsurrogate
from newsletter.intake.mail.html import clean_html
from newsletter.intake.mail.trim import trim_text, unflow
from newsletter.text import html_text_content, one_line

#: nesting and part counts past which a message is refused (a MIME bomb, not mail)
MAX_DEPTH = 12
MAX_PARTS = 300
_BROKEN_STRUCTURE = (
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
)
#: control characters that have no place in a body (NUL breaks PostgreSQL text)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


@dataclass
class File:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    title: str = ""
    #: the body: plain text (``body_format="text"``) or sanitised HTML (``"html"``)
    body: str = ""
    body_format: str = "text"
    image: File | None = None
    attachments: list[File] = field(default_factory=list)
    #: notes for the coordinator (refused attachments, the forwarder's words, defects)
    notes: list[Msg] = field(default_factory=list)
    #: the reason the message cannot become an item (it goes to quarantine)
    problem: Msg | None = None
    forwarded: bool = False


@dataclass
class _Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    forwarded: list[Message] = field(default_factory=list)
    refused: list[Msg] = field(default_factory=list)
    parts: int = 0
    broken: bool = False
    #: a nested part was damaged, its readable text kept (a note for the coordinator)
    damaged: bool = False


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text(part: Message) -> str:
    text = decode_bytes(_payload(part), part.get_content_charset())
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    params = {k.lower(): v.lower() for k, v in part.get_params() or [] if isinstance(v, str)}
    if part.get_content_type() == "text/plain" and params.get("format") == "flowed":
        text = unflow(text, delsp=params.get("delsp") == "yes")
    return text


def _decoded_headers(part: Message) -> Message:
    """The part's Content-Disposition and Content-Type with raw 8-bit bytes decoded (the
    parser would give U+FFFD for them): a raw UTF-8 file name stays readable."""
    fixed = Message()
    for name in ("Content-Disposition", "Content-Type"):
        value = h.raw_value(part, name)
        if value is not None:
            fixed[name] = unsurrogate(value)
    return fixed


def _filename(part: Message) -> str:
    try:
        source = part
        if any(
            any("\udc80" <= ch <= "\udcff" for ch in h.raw_value(part, name) or "")
            for name in ("Content-Disposition", "Content-Type")
        ):
            source = _decoded_headers(part)
        raw = source.get_filename() or source.get_param("name") or ""
    except (ValueError, LookupError, UnicodeError):
        raw = ""
    if isinstance(raw, tuple):  # an RFC 2231 value the library could not collapse
        raw = decode_bytes(raw[2].encode("latin-1", "replace"), raw[0])
    name = one_line(h.decode_header_value(str(raw)))
    if not name:
        ext = _EXTENSIONS.get(part.get_content_type(), "")
        name = f"attachment{ext}"
    return safe_filename(name)


def _disposition(part: Message) -> str:
    """ "attachment", "inline" or "" (the raw value: 8-bit bytes must not break it)."""
    value = h.raw_value(part, "Content-Disposition") or ""
    return value.split(";", 1)[0].strip().lower()


def _is_attachment(part: Message) -> bool:
    """A text part is read as text unless it is sent as a file: an explicit attachment,
    or a name without an inline disposition (Apple Mail and Outlook name inline parts)."""
    disposition = _disposition(part)
    if disposition == "attachment":
        return True
    if disposition == "inline":
        return False
    try:
        return bool(part.get_param("name") or part.get_filename())
    except (ValueError, LookupError, UnicodeError):
        return False


def _walk(part: Message, walk: _Walk, depth: int = 0) -> None:
    walk.parts += 1
    if depth > MAX_DEPTH or walk.parts > MAX_PARTS:
        walk.broken = True
        return
    ctype = part.get_content_type()
    if any(isinstance(d, _BROKEN_STRUCTURE) for d in part.defects):
        if depth == 0 or not ctype.startswith("multipart/"):
            walk.broken = True
            return
        # a nested multipart whose boundary is broken: read the text behind it
        walk.damaged = True
        _walk_unparsed(part, walk, depth)
        return
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        if ctype == "message/rfc822":
            walk.forwarded.extend(children[:1])
            return
        if ctype == "multipart/alternative":
            _walk_alternative(children, walk, depth)
            return
        for child in children:
            _walk(child, walk, depth + 1)
        return
    if ctype == "message/rfc822":  # an attached message the parser left unparsed
        walk.forwarded.append(message_from_bytes(_payload(part)))
        return
    if ctype in ("text/plain", "text/html") and not _is_attachment(part):
        (walk.texts if ctype == "text/plain" else walk.htmls).append(_text(part))
        return
    if ctype == "text/rfc822-headers" or ctype.startswith("message/"):
        return
    if ctype == "application/ms-tnef" or _filename(part).lower() == "winmail.dat":
        walk.refused.append(
            Msg(
                N_(
                    "winmail.dat: Outlook's rich-text attachments cannot be read; "
                    "ask the sender to attach the files again"
                )
            )
        )
        return
    walk.candidates.append(
        Candidate(
            filename=_filename(part),
            content_type=ctype,
            data=_payload(part),
            inline=bool(h.raw_value(part, "Content-ID")) and _disposition(part) != "attachment",
        )
    )


def _walk_unparsed(part: Message, walk: _Walk, depth: int) -> None:
    """The parts of a nested multipart the parser left as text (boundary not found)."""
    data = _payload(part)  # the raw bytes of what the parser could not split
    for piece in re.split(rb"(?m)^--[^\r\n]*\r?$", data):
        piece = piece.lstrip(b"\r\n")
        if not piece.strip():
            continue
        inner = message_from_bytes(piece)
        declared = inner.get("Content-Type") is not None
        if declared and inner.get_content_type() in ("text/plain", "text/html"):
            _walk(inner, walk, depth + 1)


def _walk_alternative(children: list[Message], walk: _Walk, depth: int) -> None:
    """Take the text of one alternative (plain text first), the files of all of them."""
    plain = [c for c in children if c.get_content_type() == "text/plain"]
    chosen: Message | None = None
    if plain and _text(plain[0]).strip():
        chosen = plain[0]
    else:
        richer = [c for c in children if c.get_content_type() != "text/plain"]
        chosen = richer[-1] if richer else (children[0] if children else None)
    for child in children:
        if child is chosen:
            _walk(child, walk, depth + 1)
        elif child.is_multipart():
            # e.g. the multipart/related HTML version with a pasted flyer
            files = _Walk()
            _walk(child, files, depth + 1)
            walk.candidates.extend(files.candidates)
            walk.refused.extend(files.refused)
            walk.parts += files.parts


def _body(walk: _Walk, *, forward: bool, reply: bool) -> tuple[str, str, str, str]:
    """(body, format, forwarder's preface, forwarded subject) from the collected texts."""
    if walk.texts and any(t.strip() for t in walk.texts):
        text = "\n\n".join(t for t in walk.texts if t.strip())
        trimmed = trim_text(text, forward=forward, reply=reply)
        return trimmed.text, "text", trimmed.preface, trimmed.forwarded_subject
    if walk.htmls:
        cleaned = clean_html("\n".join(walk.htmls), forward=forward, reply=reply)
        return cleaned.html, "html", cleaned.preface, ""
    return "", "text", "", ""


def parse_submission(raw: bytes, *, max_attachment: int) -> ParsedMail:
    """Parse a raw message into the parts of a news item; never raises on bad mail."""
    result = ParsedMail()
    try:
        message = message_from_bytes(raw)
    except Exception as error:  # the parser itself gave up: quarantine, keep the bytes
        result.problem = Msg(
            N_("The message could not be read: {error}"), {"error": type(error).__name__}
        )
        return result
    return _fill(result, message, max_attachment=max_attachment)


def parse_message(message: Message, *, max_attachment: int) -> ParsedMail:
    """Like ``parse_submission`` for a message already parsed (``compat32``)."""
    return _fill(ParsedMail(), message, max_attachment=max_attachment)


def _fill(
    result: ParsedMail, message: Message, *, max_attachment: int, depth: int = 0
) -> ParsedMail:
    result.message_id = h.message_id(message)
    result.sender_name, result.sender = h.sender(message)
    result.subject = h.header(message, "Subject")
    forward = h.is_forward_subject(result.subject)
    reply = h.is_reply_subject(result.subject)
    walk = _Walk()
    try:
        _walk(message, walk)
    except (LookupError, ValueError, TypeError, AssertionError) as error:
        result.problem = Msg(
            N_("The message structure could not be read: {error}"), {"error": type(error).__name__}
        )
        return result
    if walk.broken:
        result.problem = Msg(
            N_("The MIME structure of the message is broken (boundary missing or nesting too deep)")
        )
        return result
    if walk.damaged:
        result.notes.append(
            Msg(N_("Part of the message was damaged (a broken MIME boundary); its text was kept"))
        )
    body, body_format, preface, forwarded_subject = _body(walk, forward=forward, reply=reply)
    if preface:
        result.forwarded = True
        result.notes.append(Msg(N_("Message from the sender: {text}"), {"text": preface}))
    result.body, result.body_format = body, body_format
    result.title = h.make_title(result.subject)
    if forwarded_subject and (not result.title or forward):
        result.title = h.make_title(forwarded_subject) or result.title
    result.notes.extend(walk.refused)
    candidates = list(walk.candidates)
    for inner in walk.forwarded[:5]:
        nested = ParsedMail()
        if depth < 3:
            _fill(nested, inner, max_attachment=max_attachment, depth=depth + 1)
        if nested.problem is not None:
            result.notes.append(nested.problem)
            continue
        result.forwarded = True
        own = result.body.strip()
        if own:
            own_text = html_text_content(own) if result.body_format == "html" else own
            result.notes.append(Msg(N_("Message from the sender: {text}"), {"text": own_text}))
        result.body, result.body_format = nested.body, nested.body_format
        if nested.title and (forward or not result.title):
            result.title = nested.title
        result.notes.extend(nested.notes)
        if nested.image is not None:
            candidates.insert(
                0, Candidate(nested.image.filename, nested.image.content_type, nested.image.data)
            )
        candidates.extend(Candidate(f.filename, f.content_type, f.data) for f in nested.attachments)
    _attachments(result, candidates, max_attachment=max_attachment)
    if not result.title:
        result.title = h.make_title(_first_line(result.body, result.body_format))
    if not result.body.strip() and not result.attachments and result.image is None:
        result.problem = Msg(N_("The message has no text and no usable attachment"))
    return result


def _first_line(body: str, body_format: str) -> str:
    text = html_text_content(body) if body_format == "html" else body
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#*> ")[:120]
    return ""


def _attachments(result: ParsedMail, candidates: list[Candidate], *, max_attachment: int) -> None:
    seen: set[bytes] = set()
    for candidate in candidates:
        verdict = classify(candidate, max_size=max_attachment)
        file = File(candidate.filename, verdict.content_type, candidate.data)
        if verdict.kind in (Kind.image, Kind.pdf):
            fingerprint = hashlib.sha256(candidate.data).digest()
            if fingerprint in seen:  # the same flyer attached and pasted inline
                continue
            seen.add(fingerprint)
        if verdict.kind is Kind.image:
            if result.image is None:
                result.image = file
            else:
                result.attachments.append(file)
        elif verdict.kind is Kind.pdf:
            result.attachments.append(file)
        elif verdict.kind is Kind.refused and verdict.reason is not None:
            result.notes.append(verdict.reason)
