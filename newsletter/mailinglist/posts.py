"""A message written to a list becomes a post: screened, decided, recorded whole.

``ListIntake`` is what the e-mail intake (``intake.mail.pipeline``) is given to find
the lists a message was written to and to hand it over; the intake records the
incoming message (outcome ``post``) and never makes news of it.

A delivery report written to a list's address (a bounce or DSN, an ARF complaint: a
mail server that answers the ``From`` or ``Reply-To`` of a copy, which the DMARC
rewrite makes the list) is no post: ``lists_for`` gives no list for it, and the intake
handles it as every bounce (matched to the delivery it proves, else recorded unmatched
with the reason, in the intake's records the coordinator reads).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.segments import Segment
from newsletter.config import Settings
from newsletter.intake.mail import headers as h
from newsletter.intake.mail.authentication import FROM_HEADER, SenderAuth
from newsletter.intake.mail.bounces import looks_like_bounce, parse_bounce
from newsletter.intake.mail.feedback_reports import is_feedback_report
from newsletter.intake.mail.language import guess_language
from newsletter.intake.mail.pipeline import ListMessage
from newsletter.intake.mail.source import RawMessage
from newsletter.mailinglist import moderation, relay
from newsletter.mailinglist.routing import addressed_lists
from newsletter.mailinglist.screening import screen
from newsletter.models import Language, PostStatus
from newsletter.store.audience import Subscriber
from newsletter.store.mailinglist import ListPost

_MSGID = re.compile(r"<[^<>\s]{1,490}>")


def _ids(value: str) -> list[str]:
    return [m for m in _MSGID.findall(value) if m.isascii() and m.isprintable()]


def post_key(list_id: str, message_id: str, sha256: str) -> str:
    """One post per list and message: the Message-ID, or the bytes' SHA-256 without one."""
    return f"{list_id}:{message_id or 'sha256:' + sha256}"[:700]


def _language(session: Session, email_key: str, message: Message) -> Language:
    subscriber = session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))
    if subscriber is not None:
        return subscriber.language
    text = h.header(message, "Subject")
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                text += "\n" + payload[:5000].decode("utf-8", "replace")
            break
    return guess_language(text, default=Language.fr)


def take_post(
    session: Session,
    settings: Settings,
    segments: Mapping[str, Segment],
    list_id: str,
    raw: RawMessage,
    message: Message,
    *,
    parsed: bool = True,
    auth: SenderAuth | None = None,
    inbound_id: int | None = None,
) -> tuple[ListPost, bool]:
    """Record the post of ``list_id`` (once per list and message) with its status; an
    approved post's relay is queued in the same transaction. Returns (post, new)."""
    segment = segments[list_id]
    digest = hashlib.sha256(raw.data).hexdigest()
    mid = h.message_id(message)
    message_id = f"<{mid}>" if mid else ""
    key = post_key(list_id, message_id, digest)
    seen = session.scalar(select(ListPost).where(ListPost.dedupe_key == key))
    if seen is not None:
        return seen, False
    name, address = h.sender(message)
    email_key = address.casefold()
    verdict = screen(message, segment, size=raw.size, truncated=raw.truncated, parsed=parsed,
                     auth=auth)  # fmt: skip
    if verdict.action == "dropped":
        status, reason = PostStatus.dropped, verdict.reason
    elif verdict.action == "held":
        status, reason = PostStatus.held, verdict.reason
    else:
        status, reason = moderation.decide(session, segment, email_key)
    post = ListPost(
        list_id=list_id,
        status=status,
        reason=reason.msgid if reason else "",
        reason_params=reason.stored_params() if reason else None,
        dedupe_key=key,
        sender=address[:320],
        sender_key=email_key[:320],
        sender_name=name[:200],
        language=_language(session, email_key, message) if address else Language.fr,
        subject=h.header(message, "Subject")[:2000],
        message_id=message_id[:500],
        in_reply_to=(_ids(h.header(message, "In-Reply-To")) or [""])[0],
        references=" ".join(_ids(h.header(message, "References")))[:20000],
        dmarc=auth.dmarc[:20] if auth is not None and auth.method == FROM_HEADER else "",
        size=raw.size,
        sha256=digest,
        raw=raw.data,
        truncated=raw.truncated,
        inbound_id=inbound_id,
    )
    session.add(post)
    session.flush()
    if status is PostStatus.approved:
        post.decided_by = ""
        relay.queue(session, settings, segments, post)
    return post, True


def is_delivery_report(message: Message) -> bool:
    """A bounce or DSN (as the intake reads them) or a feedback-loop report."""
    if is_feedback_report(message):
        return True
    return looks_like_bounce(message) and parse_bounce(message) is not None


@dataclass
class Taken:
    """What the intake made of a message written to lists."""

    post_ids: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)


class ListIntake:
    """The lists side of the e-mail intake (``intake.mail.pipeline.PostIntake``)."""

    def __init__(self, settings: Settings, segments: Mapping[str, Segment]) -> None:
        self.settings = settings
        self.segments = segments

    def lists_for(self, message: Message, envelope: Sequence[str]) -> list[str]:
        """The lists the message is a post of: none for a delivery report (docstring)."""
        found = addressed_lists(self.segments, message, envelope)
        if found and is_delivery_report(message):
            return []
        return found

    def take(self, session: Session, list_ids: Sequence[str], mail: ListMessage) -> Taken:
        taken = Taken()
        for list_id in list_ids:
            post, new = take_post(session, self.settings, self.segments, list_id, mail.raw,
                                  mail.message, parsed=mail.parsed, auth=mail.auth,
                                  inbound_id=mail.inbound_id)  # fmt: skip
            taken.post_ids.append(post.id)
            if new:
                taken.new.append(post.id)
        return taken
