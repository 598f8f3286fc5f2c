"""Relaying an approved post to the list's members through the outbox.

``queue`` snapshots the recipients into the outbox as an issue's send does (one
``sends`` row with ``post_id``, one ``deliveries`` row per member, ``issue_id`` 0): the
same worker then sends them with the same throttle, retries, VERP bounces and
crash-safe resume. Who gets it: the list's active members (per-list opt-outs
honoured), **except the poster** (their own copy is in their sent mail) and the members
who chose a digest (``list_digest_preferences`` daily or weekly: the digest brings it).
A member the poster named in ``To`` or ``Cc`` already has the poster's own copy: their
row is written ``skipped`` with the note ``ALREADY_NAMED`` (shown in the send's
report), never sent a second copy — Mailman's default.

``PostMessages`` is the worker's message factory. The post is prepared **once per
reader language** (headers rewritten, body bytes kept as received) and each
recipient's bytes are that prefix plus their own ``List-Unsubscribe`` header and
footer part, so the cost per recipient stays small:

* removed: ``Return-Path``, ``Delivered-To``, ``X-Original-To``, the poster's
  ``DKIM-Signature`` (the footer breaks it), our own ``Authentication-Results``, any
  ``List-*``, ``X-Loop``, ``Precedence``;
* added: ``List-Id``, ``List-Post``, ``List-Archive``, ``List-Unsubscribe`` (per
  recipient, HTTPS, one-click ``List-Unsubscribe-Post``), ``X-Loop``,
  ``Precedence: list``; ``Reply-To`` the list when the list's ``reply_to`` is ``list``
  (left as the poster wrote it when ``poster``); the subject tag, not doubled on replies;
* the message becomes ``multipart/mixed``: the original content (all its parts and
  attachments, bytes unchanged), then a short footer in the reader's language with the
  list-unsubscribe and preferences links.

Hooks: ``rewrite`` (``PreparedPost`` → None) changes the prepared headers once per
language (the DMARC ``From:`` rewrite goes there); ``signer`` signs each recipient's
finished bytes (DKIM), as for issues, and for a post also ``Cc``, ``In-Reply-To``,
``References``, ``List-Post`` and ``List-Archive`` when the copy has them
(``signed_headers``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.header import Header
from email.parser import BytesHeaderParser

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsletter import links
from newsletter.audience.segments import Recipient, Segment, iter_recipients
from newsletter.config import Settings
from newsletter.delivery import snapshots
from newsletter.delivery.dkim import SIGNED_HEADERS, DkimSigner
from newsletter.delivery.outbox import Claimed
from newsletter.delivery.verp import envelope_sender
from newsletter.i18n import N_, gettext
from newsletter.intake.mail.headers import addresses, decode_header_value
from newsletter.mailinglist.config import ReplyTo
from newsletter.mailinglist.routing import list_id_value
from newsletter.models import DeliveryStatus, DigestMode, Language
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery, Send
from newsletter.store.mailinglist import DigestPreference, ListPost

FOOTER = N_(
    "You receive this message as a member of {list}. To write to everyone: {address}\n"
    "Leave this list (one click): {unsubscribe}\n"
    "Your subscription preferences: {preferences}"
)
#: the note of a member not sent a copy because the poster wrote to them too
ALREADY_NAMED = N_("named in the post's To or Cc: the poster's own copy reaches them")
#: headers of the post that never go out again
DROPPED = frozenset(
    {
        "return-path", "delivered-to", "x-original-to", "dkim-signature",
        "authentication-results", "list-id", "list-post", "list-archive", "list-help",
        "list-unsubscribe", "list-unsubscribe-post", "list-subscribe", "list-owner",
        "x-loop", "precedence", "content-type", "content-transfer-encoding",
        "mime-version", "content-disposition", "content-description", "content-id",
        "content-language", "bcc",
    }
)  # fmt: skip
#: the content headers that go with the original body into its part
CONTENT = ("content-type", "content-transfer-encoding", "content-disposition",
           "content-description", "content-id", "content-language")  # fmt: skip
#: what a post's copy adds to the headers an issue signs, when it carries them
POST_SIGNED = (b"Cc", b"In-Reply-To", b"References", b"List-Post", b"List-Archive")
_LONE_LF = re.compile(rb"(?<!\r)\n")
_REPLY = re.compile(r"^\s*((?:re|aw|sv|antw|tr|fwd?|wg)\s*(?:\[\d+\])?\s*:\s*)+", re.I)


def archive_url(settings: Settings, list_id: str) -> str:
    """The list's archive pages (``List-Archive``)."""
    return f"{settings.base_url.rstrip('/')}/lists/{list_id}/archive"


def tagged(subject: str, tag: str) -> str:
    """The subject with the list's tag in front, once: "Re: [GT] x" stays as it is and
    "Re: x" becomes "[GT] Re: x"."""
    if tag.casefold() in subject.casefold():
        return subject
    return f"{tag} {subject}".strip()


# --- who gets it ---------------------------------------------------------------------


def digest_readers(session: Session, list_id: str) -> set[int]:
    """Subscribers of the list who get its posts in a digest instead."""
    return set(
        session.scalars(
            select(DigestPreference.subscriber_id).where(
                DigestPreference.list_id == list_id, DigestPreference.mode != DigestMode.none
            )
        )
    )


def recipients(
    session: Session, segments: Mapping[str, Segment], post: ListPost
) -> Iterator[Recipient]:
    digest = digest_readers(session, post.list_id)
    for recipient in iter_recipients(session, dict(segments), [post.list_id]):
        if recipient.email.casefold() == post.sender_key or recipient.subscriber_id in digest:
            continue
        yield recipient


def named_in(raw: bytes) -> set[str]:
    """The addresses (case-folded) in the ``To`` and ``Cc`` of a post as received."""
    head = BytesHeaderParser().parsebytes(raw[: 256 * 1024])
    return {address.casefold() for address in addresses(head, "To", "Cc")}


def queue(
    session: Session, settings: Settings, segments: Mapping[str, Segment], post: ListPost
) -> Send:
    """Snapshot the post's recipients into the outbox (once; in the caller's transaction);
    the members named in its ``To`` or ``Cc`` are written skipped (module docstring)."""
    found = session.scalars(select(Send).where(Send.post_id == post.id)).first()
    if found is not None:
        return found
    if not post.message_id:
        domain = _domain(segments[post.list_id])
        post.message_id = f"<post-{post.id}.{uuid.uuid4().hex[:16]}@{domain}>"
    named = named_in(post.raw)
    already: list[int] = []

    def stream() -> Iterator[Recipient]:
        for recipient in recipients(session, segments, post):
            if recipient.email.casefold() in named:
                already.append(recipient.subscriber_id)
            yield recipient

    send = snapshots.snapshot(session, settings, 0, [post.list_id], stream(), post_id=post.id,
                           message_id=post.message_id)  # fmt: skip
    if already:
        session.execute(
            update(Delivery)
            .where(Delivery.send_id == send.id, Delivery.subscriber_id.in_(already))
            .values(
                status=DeliveryStatus.skipped,
                reply_note=ALREADY_NAMED,
                reply_note_params=None,
                updated_at=utcnow(),
            )
        )
    return send


def _domain(segment: Segment) -> str:
    assert segment.posting is not None
    return segment.posting.address.rpartition("@")[2]


# --- the message ---------------------------------------------------------------------


@dataclass
class PreparedPost:
    """The headers of a post as they will go out (once per language): what the
    ``rewrite`` hook may change. ``headers`` are (name, value) in order; a value is
    the header's text after the colon, folded lines kept, without the final CRLF."""

    segment: Segment
    post: ListPost
    language: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.casefold() == name.casefold():
                return value
        return None

    def remove(self, name: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.casefold() != name.casefold()]

    def set(self, name: str, value: str) -> None:
        """Replace (or add) a header; ``value`` is one line, encoded by ``encode``."""
        self.remove(name)
        self.headers.append((name, encode(value)))


Rewrite = Callable[[PreparedPost], None]


def encode(value: str) -> str:
    """A header value safe on the wire: one line, RFC 2047 when not ASCII."""
    value = " ".join(value.replace("\r", " ").replace("\n", " ").split())
    if value.isascii():
        return f" {value}"
    return " " + Header(value, "utf-8", header_name="Subject").encode(linesep="\r\n")


def split_message(raw: bytes) -> tuple[list[tuple[str, str]], bytes]:
    """(headers as (name, raw value), body bytes) with CRLF line ends."""
    data = _LONE_LF.sub(b"\r\n", raw)
    end = data.find(b"\r\n\r\n")
    head, body = (data, b"") if end < 0 else (data[: end + 2], data[end + 4 :])
    headers: list[tuple[str, str]] = []
    for line in head.decode("utf-8", "surrogateescape").split("\r\n"):
        if not line:
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value}\r\n{line}")
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value))
    return headers, body


def _wire(headers: list[tuple[str, str]]) -> bytes:
    return "".join(f"{k}:{v}\r\n" for k, v in headers).encode("utf-8", "surrogateescape")


def signed_headers(names: Iterable[str]) -> list[bytes]:
    """The headers a copy's DKIM signature covers: those an issue's covers and
    ``POST_SIGNED``, each one the copy carries (``names``: its header names)."""
    present = {name.casefold() for name in names}
    return [h for h in (*SIGNED_HEADERS, *POST_SIGNED) if h.decode().casefold() in present]


def sign_copy(signer: DkimSigner, data: bytes, headers: list[bytes]) -> bytes:
    """``data`` with a DKIM-Signature in front covering ``headers``."""
    return signer.signature(data, headers=headers) + data


def _qp(text: str) -> bytes:
    import quopri

    data = text.replace("\r\n", "\n").encode("utf-8")
    return quopri.encodestring(data).replace(b"\n", b"\r\n")


class PostMessages:
    """``MessageFactory`` of a post's relay: (bytes, envelope sender) per claimed row."""

    def __init__(
        self,
        settings: Settings,
        segment: Segment,
        post: ListPost,
        raw: bytes,
        *,
        rewrite: Rewrite | None = None,
        signer: DkimSigner | None = None,
    ) -> None:
        assert segment.posting is not None
        self.settings = settings
        self.segment = segment
        self.post = post
        self.rewrite = rewrite
        self.signer = signer
        self.headers, self.body = split_message(raw)
        self.boundary = f"=_list_{uuid.uuid4().hex}"
        self._prepared: dict[str, tuple[bytes, bytes, list[bytes]]] = {}

    def prepared(self, language: str) -> PreparedPost:
        """The outgoing headers in one reader language, after the ``rewrite`` hook."""
        posting = self.segment.posting
        assert posting is not None
        title = self.segment.title_in("fr")
        kept = [(k, v) for k, v in self.headers if k.casefold() not in DROPPED]
        out = PreparedPost(self.segment, self.post, language, kept)
        subject = decode_header_value((out.get("Subject") or "").replace("\r\n", ""))
        out.set("Subject", tagged(subject.strip(), posting.tag_for(title)))
        if posting.reply_to is ReplyTo.list:
            out.set("Reply-To", posting.address)
        if not out.get("Message-ID") and self.post.message_id:
            out.set("Message-ID", self.post.message_id)
        out.set("List-Id", list_id_value(self.segment))
        out.set("List-Post", f"<mailto:{posting.address}>")
        out.set("List-Archive", f"<{archive_url(self.settings, self.segment.id)}>")
        out.set("X-Loop", posting.address)
        out.set("Precedence", "list")
        if self.rewrite is not None:
            self.rewrite(out)
        return out

    def _parts(self, language: str) -> tuple[bytes, bytes, list[bytes]]:
        found = self._prepared.get(language)
        if found is None:
            out = self.prepared(language)
            content = [(k, v) for k, v in self.headers if k.casefold() in CONTENT]
            if not any(k.casefold() == "content-type" for k, _ in content):
                content.insert(0, ("Content-Type", " text/plain; charset=us-ascii"))
            head = _wire(out.headers) + (
                "MIME-Version: 1.0\r\n"
                f'Content-Type: multipart/mixed; boundary="{self.boundary}"\r\n'
            ).encode("ascii")
            inner = (
                f"\r\n--{self.boundary}\r\n".encode("ascii")
                + _wire(content)
                + b"\r\n"
                + self.body
                + f"\r\n--{self.boundary}\r\n".encode("ascii")
                + b"Content-Type: text/plain; charset=utf-8\r\n"
                + b"Content-Transfer-Encoding: quoted-printable\r\n"
                + b"Content-Disposition: inline\r\n\r\n"
            )
            names = [k for k, _ in out.headers]
            names += ["List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type"]
            found = self._prepared[language] = (head, inner, signed_headers(names))
        return found

    def footer(self, language: str, unsubscribe: str, preferences: str) -> str:
        posting = self.segment.posting
        assert posting is not None
        return gettext(language, FOOTER).format(
            list=self.segment.title_in(language), address=posting.address,
            unsubscribe=unsubscribe, preferences=preferences,
        )  # fmt: skip

    def __call__(self, row: Claimed) -> tuple[bytes, str]:
        language = row.language.value if isinstance(row.language, Language) else str(row.language)
        head, inner, signed = self._parts(language)
        settings = self.settings
        unsubscribe = links.list_unsubscribe_url(settings, row.subscriber_id, self.segment.id)
        preferences = links.preferences_url(settings, row.subscriber_id)
        data = b"".join(
            (
                head,
                f"List-Unsubscribe: <{unsubscribe}>\r\n".encode("ascii"),
                b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                inner,
                _qp("-- \n" + self.footer(language, unsubscribe, preferences) + "\n"),
                f"\r\n--{self.boundary}--\r\n".encode("ascii"),
            )
        )
        if self.signer is not None:
            data = sign_copy(self.signer, data, signed)
        return data, envelope_sender(settings, row.id)
