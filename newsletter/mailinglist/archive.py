"""What the archive (and the digest) shows of a post: its text, sanitised HTML and the
names of its attachments, read from the raw message kept whole.

The text is the first ``text/plain`` part that is not an attachment, decoded with its
charset (UTF-8 with replacement characters when the charset is wrong or unknown); a post
with only HTML gets the HTML sanitised by ``text.sanitize_html(mail=True)`` (nh3, the
allow-list of incoming mail: no script, style, image or form, links
``rel="noopener noreferrer"``) and a text made from it. Nothing here is trusted: a page
escapes the text, and shows only the sanitised HTML. A post that cannot be parsed at
all (nesting too deep, broken encoding) shows an empty text rather than failing.

Search (``matches``) compares words the way ``store.folding`` does in SQL: case and the
accents of French and Dutch ignored, every word must be found in the subject, the
poster's name or the text.
"""

from __future__ import annotations

import html as html_module
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message

from newsletter.store.folding import fold

#: longest text kept of one post (characters); the rest is cut, with a mark
MAX_TEXT = 200_000
#: parts looked at in one post at most (a hostile message may hold thousands)
MAX_PARTS = 200
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PostContent:
    """The readable content of one post."""

    text: str
    #: sanitised HTML when the post had no plain-text part, else None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    cut: bool = False
    #: the text as searches compare it (``store.folding.fold``), made once
    folded: str = ""


def post_content(raw: bytes) -> PostContent:
    """The content of a raw post (see the module's doc)."""
    try:
        # the compat32 parser: a tenth of the CPU of policy.default, and enough here
        message = message_from_bytes(raw, policy=policy.compat32)
        return _content(message)
    except (RecursionError, LookupError, ValueError, TypeError, AttributeError, IndexError):
        return PostContent("")


_CACHE: OrderedDict[tuple[int, str], PostContent] = OrderedDict()
_CACHE_SIZE = 2_000
_LOCK = threading.Lock()


def kept_content(post_id: int, sha256: str) -> PostContent | None:
    """The content of a post read lately (``remember``), else None."""
    key = (post_id, sha256)
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
        return found


def remember(post_id: int, sha256: str, raw: bytes) -> PostContent:
    """``post_content`` of a post, kept (not its bytes) for the ``_CACHE_SIZE`` posts
    read last, keyed by id and digest."""
    content = post_content(raw)
    with _LOCK:
        _CACHE[(post_id, sha256)] = content
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return content


def _content(message: Message) -> PostContent:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for count, part in enumerate(message.walk()):
        if count >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and kind not in ("text/plain", "text/html")):
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(_one_line(_decoded_name(filename or "")), kind, size))
            continue
        if kind == "text/plain" and text is None:
            text = _decoded(part)
        elif kind == "text/html" and html is None:
            html = _decoded(part)
    cut = False
    shown: str | None = None
    if text is None and html is not None:
        from newsletter.text import sanitize_html

        shown = sanitize_html(html[: MAX_TEXT * 2], mail=True)
        text = html_text(shown)
    text = _BLANK_RUNS.sub("\n\n", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > MAX_TEXT:
        text, cut = text[:MAX_TEXT] + " […]", True
    return PostContent(text, shown, attachments, cut, fold(text))


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _decoded_name(name: str) -> str:
    """A file name, its RFC 2047 encoded words (which some mail clients use) decoded."""
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(name)))
    except (UnicodeError, LookupError, ValueError):
        return name


def html_text(cleaned: str) -> str:
    """The text of sanitised HTML (block ends become line breaks)."""
    import nh3

    spaced = re.sub(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote)>", "\n", cleaned)
    return html_module.unescape(nh3.clean(spaced, tags=set()))


def _one_line(value: str) -> str:
    return " ".join("".join(ch for ch in value if ch.isprintable()).split())[:200]


def matches(words: str, *texts: str, folded: str = "") -> bool:
    """Whether every word of ``words`` is in one of ``texts`` (folded here) or in
    ``folded`` (a text folded already)."""
    wanted = fold(words).split()
    if not wanted:
        return True
    haystack = "\n".join([*(fold(text) for text in texts), folded])
    return all(word in haystack for word in wanted)


def snippet(text: str, words: str, width: int = 200) -> str:
    """A part of ``text`` around the first word searched for (or its start)."""
    flat = " ".join(text.split())
    folded = fold(flat)
    positions = [folded.find(word) for word in fold(words).split() if word in folded]
    start = max(0, min(positions) - width // 3) if positions else 0
    part = flat[start : start + width]
    return ("…" if start else "") + part + ("…" if start + width < len(flat) else "")


def without_quotes(text: str) -> str:
    """The text with the quoted lines of replies ("> …") and the attribution line
    before them folded into one "[…]" (the digest shows what each post adds)."""
    out: list[str] = []
    quoting = False
    for line in text.split("\n"):
        if line.lstrip().startswith(">"):
            if not quoting:
                if out and out[-1].rstrip().endswith(":") and len(out[-1]) < 200:
                    out.pop()  # "Le 3 mars, Alice a écrit :"
                out.append("[…]")
            quoting = True
            continue
        quoting = False
        out.append(line)
    return _BLANK_RUNS.sub("\n\n", "\n".join(out)).strip()
