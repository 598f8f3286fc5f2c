"""MIME layout of a prepared variant, as byte segments and per-recipient marks.

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain   (quoted-printable, UTF-8)
    │   └── text/html    (quoted-printable, UTF-8)
    └── annexes          (base64, encoded once per issue; RFC 2231 file names)

Without annexes the top level is the multipart/alternative itself. Static headers
and annex parts are produced by the ``email`` package (SMTP policy: CRLF, folded at 78);
the layout joins them exactly as its generator does, so the spliced bytes equal the
``email`` package's output for the same recipient (checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import MIMEPart
from email.policy import SMTP
from enum import Enum
from typing import TYPE_CHECKING

from newsletter.render.splice import CRLF, Conditional, LineTemplate, Markers, Slot, split_body
from newsletter.text import one_line

if TYPE_CHECKING:  # the issue model (and what it loads) only where an issue is read
    from newsletter.render.model import AnnexView

POLICY = SMTP
NL = CRLF.encode("ascii")


class HeaderMark(Enum):
    """Headers that are computed per recipient."""

    to = "To"
    message_id = "Message-ID"
    list_unsubscribe = "List-Unsubscribe"


@dataclass(frozen=True, slots=True)
class BodyLine:
    """A line of the HTML (``html=True``) or text part with per-recipient values."""

    html: bool
    template: LineTemplate


@dataclass(frozen=True, slots=True)
class BodyBlock:
    """Encoded lines of a conditional block (kept when ``when`` has a value)."""

    data: bytes
    when: Slot


#: a piece of a message laid out once: fixed bytes, or a place filled per recipient
#: (not to be confused with ``audience.segments.Segment``, a list of recipients)
MessagePiece = bytes | HeaderMark | BodyLine | BodyBlock


def fold(name: str, value: str) -> bytes:
    """One header, on one line or folded, as the ``email`` package writes it.

    Values are reduced to one line of printable text first: no CR/LF can get through.
    """
    header = POLICY.header_factory(name, one_line(value, 2000))
    return POLICY.fold_binary(name, header)


def annex_part(annex: AnnexView) -> bytes:
    """An attached annex, base64-encoded (done once per issue, then reused)."""
    maintype, _, subtype = annex.content_type.partition("/")
    if not subtype or maintype == "multipart":
        maintype, subtype = "application", "octet-stream"
    part = MIMEPart(policy=POLICY)
    params = (
        {"charset": "utf-8", "method": "PUBLISH"}
        if maintype == "text" and subtype == "calendar"
        else {}
    )
    part.set_content(
        annex.data,
        maintype=maintype,
        subtype=subtype,
        disposition="attachment",
        filename=one_line(annex.filename, 255),
        params=params,
    )
    return part.as_bytes(policy=POLICY)


def _body_head(subtype: str) -> bytes:
    part = MIMEPart(policy=POLICY)
    part.set_content("QZHEADQZ\n", subtype=subtype, cte="quoted-printable")
    flat = part.as_bytes(policy=POLICY)
    return flat[: flat.index(b"QZHEADQZ")]


def _body(html: bool, text: str, markers: Markers) -> list[MessagePiece]:
    segments: list[MessagePiece] = []
    for segment in split_body(text, markers):
        if isinstance(segment, bytes):
            segments.append(segment)
        elif isinstance(segment, Conditional):
            segments.append(BodyBlock(segment.data, segment.when))
        else:
            segments.append(BodyLine(html, segment))
    return segments


def layout(
    *,
    headers_before_to: list[tuple[str, str]],
    subject: str,
    date: str,
    list_id: str,
    text: str,
    html: str,
    annex_parts: list[bytes],
    boundary: str,
    markers: Markers,
) -> list[MessagePiece]:
    """All segments of one variant, adjacent literal bytes merged."""
    mixed, alternative = f"{boundary}-m", f"{boundary}-a"
    segments: list[MessagePiece] = [fold(name, value) for name, value in headers_before_to]
    segments += [HeaderMark.to, fold("Subject", subject), fold("Date", date)]
    segments += [HeaderMark.message_id, fold("List-Id", list_id), HeaderMark.list_unsubscribe]
    segments += [fold("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    segments += [fold("MIME-Version", "1.0")]
    alt_type = f'multipart/alternative; boundary="{alternative}"'
    if annex_parts:
        segments += [fold("Content-Type", f'multipart/mixed; boundary="{mixed}"'), NL]
        segments += [f"--{mixed}{CRLF}".encode("ascii"), fold("Content-Type", alt_type), NL]
    else:
        segments += [fold("Content-Type", alt_type), NL]
    segments += [f"--{alternative}{CRLF}".encode("ascii"), _body_head("plain")]
    segments += _body(False, text, markers)
    segments += [f"{CRLF}--{alternative}{CRLF}".encode("ascii"), _body_head("html")]
    segments += _body(True, html, markers)
    segments += [f"{CRLF}--{alternative}--{CRLF}".encode("ascii")]
    if annex_parts:
        for part in annex_parts:
            segments += [f"{CRLF}--{mixed}{CRLF}".encode("ascii"), part]
        segments += [f"{CRLF}--{mixed}--{CRLF}".encode("ascii")]
    return _merge(segments)


def _merge(segments: list[MessagePiece]) -> list[MessagePiece]:
    merged: list[MessagePiece] = []
    for segment in segments:
        if isinstance(segment, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] = merged[-1] + segment
        else:
            merged.append(segment)
    return merged
