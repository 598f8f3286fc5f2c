"""Who may post to a list, which posts wait for a moderator, and the post's status
machine (every change of status goes through ``transition_post``): held → approved or
rejected; once approved, the relay's statuses (approved → relaying → relayed, paused,
cancelled) follow the rules of an issue's send (``RELAY``).

Rules, after ``screening`` found nothing against the message:

1. ``who``: ``members`` — the sender is an active subscriber the list reaches (and has
   not left the list); ``subscribers`` — an active subscriber of the network;
   ``anyone``. A trusted sender of the list passes whatever ``who`` says. Anyone else
   is held ("not a member").
2. ``moderation``: ``all`` — every post is held; ``new-senders`` — held until a
   moderator approves it *and trusts* the sender (``approve(trust=True)``); a plain
   approval lets that one post out; ``none`` — allowed senders' posts go out at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.segments import Segment, facts_of
from newsletter.editorial import issue_status
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg
from newsletter.mailinglist.config import Moderation, Who
from newsletter.models import IssueStatus, PostStatus, SubscriberStatus
from newsletter.store.audience import ListOptOut, Organisation, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.mailinglist import ListPost, TrustedSender

NOT_MEMBER = N_("The sender {sender} is not a member of the list")
NOT_SUBSCRIBER = N_("The sender {sender} is not a subscriber of the network")
FIRST_POST = N_("First post of {sender} to the list: a moderator approves it")
ALL_MODERATED = N_("Every post to this list is read by a moderator first")

#: the statuses of a post's relay and the status of an issue's send each stands for:
#: the relay follows the send's rules (``editorial.issue_status.ALLOWED``)
RELAY: dict[PostStatus, IssueStatus] = {
    PostStatus.approved: IssueStatus.scheduled,  # queued, the sender has not started
    PostStatus.relaying: IssueStatus.sending,
    PostStatus.paused: IssueStatus.paused,
    PostStatus.cancelled: IssueStatus.cancelled,
    PostStatus.relayed: IssueStatus.sent,
}


def _relay_moves(status: PostStatus) -> frozenset[PostStatus]:
    allowed = issue_status.ALLOWED[RELAY[status]]
    return frozenset(p for p, s in RELAY.items() if p is not status and s in allowed)


#: the changes a post's status may make: the moderation's, then the relay's
ALLOWED: dict[PostStatus, frozenset[PostStatus]] = {
    PostStatus.held: frozenset({PostStatus.approved, PostStatus.rejected}),
    PostStatus.rejected: frozenset({PostStatus.approved}),
    PostStatus.dropped: frozenset({PostStatus.approved}),
    **{status: _relay_moves(status) for status in RELAY},
}


def transition_post(
    post: ListPost,
    to: PostStatus,
    *,
    by: str = "",
    note: str = "",
    at: datetime | None = None,
    reason: Msg | None = None,
) -> None:
    """Move ``post`` to ``to``, or ValidationError when that change is not allowed.
    ``reason`` (why the relay is paused or cancelled) replaces the stored reason (why it
    was held); resuming a paused relay clears it."""
    if to not in ALLOWED[post.status]:
        raise ValidationError(
            N_("Post {post} cannot go from {from_status} to {to_status}."),
            post=post.id,
            from_status=post.status.value,
            to_status=to.value,
        )
    now = at or utcnow()
    if to in (PostStatus.approved, PostStatus.rejected):
        post.decided_at = now
        post.decided_by = by
    if to is PostStatus.rejected:
        post.decision_note = note
    if to is PostStatus.relayed:
        post.relayed_at = now
    if to in (PostStatus.paused, PostStatus.cancelled) or post.status is PostStatus.paused:
        post.reason = reason.msgid if reason else ""
        post.reason_params = reason.stored_params() if reason else None
    post.status = to


def is_trusted(session: Session, list_id: str, email_key: str) -> bool:
    return (
        session.scalar(
            select(TrustedSender.id).where(
                TrustedSender.list_id == list_id, TrustedSender.email_key == email_key
            )
        )
        is not None
    )


def trust(session: Session, list_id: str, email_key: str, *, by: str = "") -> bool:
    """Trust a sender on a list from now on; False when they already were."""
    if is_trusted(session, list_id, email_key):
        return False
    session.add(TrustedSender(list_id=list_id, email_key=email_key, added_by=by))
    session.flush()
    return True


def member_of(session: Session, segment: Segment, email_key: str) -> Subscriber | None:
    """The active subscriber with this address when the list reaches them, else None."""
    subscriber = session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))
    if subscriber is None or subscriber.status is not SubscriberStatus.active:
        return None
    organisation = (
        session.get(Organisation, subscriber.organisation_id)
        if subscriber.organisation_id is not None
        else None
    )
    if not segment.contains(facts_of(subscriber, organisation), email_key):
        return None
    left = session.scalar(
        select(ListOptOut.id).where(
            ListOptOut.subscriber_id == subscriber.id, ListOptOut.list_id == segment.id
        )
    )
    return None if left is not None else subscriber


def decide(session: Session, segment: Segment, email_key: str) -> tuple[PostStatus, Msg | None]:
    """Approved, or held with the reason, by the list's rules (module docstring)."""
    posting = segment.posting
    assert posting is not None
    trusted = is_trusted(session, segment.id, email_key)
    if not trusted:
        if posting.who is Who.members and member_of(session, segment, email_key) is None:
            return PostStatus.held, Msg(NOT_MEMBER, {"sender": email_key})
        if posting.who is Who.subscribers:
            subscriber = session.scalar(select(Subscriber).where(Subscriber.email_key == email_key))
            if subscriber is None or subscriber.status is not SubscriberStatus.active:
                return PostStatus.held, Msg(NOT_SUBSCRIBER, {"sender": email_key})
    if posting.moderation is Moderation.all:
        return PostStatus.held, Msg(ALL_MODERATED)
    if posting.moderation is Moderation.new_senders and not trusted:
        return PostStatus.held, Msg(FIRST_POST, {"sender": email_key})
    return PostStatus.approved, None
