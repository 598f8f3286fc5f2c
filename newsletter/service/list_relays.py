"""The relay of an approved list post: its status while it goes out, the coordinator's
pause / resume / cancel, with the rules of an issue's send.

The post's status is the relay's (``mailinglist.moderation.RELAY``): ``approved`` (queued,
the sender has not taken it yet) → ``relaying`` (the sender asks the status before it
claims: that moves it) → ``relayed`` in the transaction that records the last delivery
(``finished``), or ``paused`` / ``cancelled``. The delivery worker asks this class through
``delivery.worker.SendOwner``; every door (console, CLI) calls ``pause``, ``resume`` and
``cancel`` here.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.errors import InvalidTransitionError, NotFoundError
from newsletter.i18n import N_, Msg
from newsletter.mailinglist.moderation import RELAY, transition_post
from newsletter.models import IssueStatus
from newsletter.models import PostStatus as P
from newsletter.store.base import utcnow
from newsletter.store.delivery import Send
from newsletter.store.mailinglist import ListPost

log = logging.getLogger(__name__)

PAUSED_BY_COORDINATOR = N_("Paused by the coordinator.")
CANCELLED_BY_COORDINATOR = N_("Cancelled by the coordinator.")
#: the statuses of a post whose relay is not over (``settle`` finishes them)
OPEN = (P.approved, P.relaying)


class ListRelays:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- what the delivery worker asks (``SendOwner``) ---------------------------------
    def status(self, session: Session, send: Send) -> IssueStatus:
        """The relay's status as a send's; an approved post starts relaying here."""
        post = session.get(ListPost, send.post_id) if send.post_id else None
        if post is None:
            return IssueStatus.cancelled
        if post.status is P.approved:
            transition_post(post, P.relaying)
        return RELAY.get(post.status, IssueStatus.cancelled)

    def paused(self, session: Session, send: Send, reason: Msg) -> None:
        post = session.get(ListPost, send.post_id) if send.post_id else None
        if post is not None and post.status in OPEN:
            transition_post(post, P.paused, reason=reason)

    def finished(self, session: Session, send: Send) -> None:
        post = session.get(ListPost, send.post_id) if send.post_id else None
        if post is not None:
            _finish(post, send)

    @staticmethod
    def due(session: Session) -> list[int]:
        """Send ids of the relays a sender should take: not finished, not paused."""
        return list(
            session.scalars(
                select(Send.id)
                .join(ListPost, ListPost.id == Send.post_id)
                .where(Send.finished_at.is_(None), ListPost.status != P.paused)
                .order_by(Send.id)
            )
        )

    @staticmethod
    def relay_paused(session: Session) -> list[int]:
        """Send ids of the relays a relay (SMTP server) outage paused: they resume by
        themselves once it answers (``resume_after_relay``)."""
        return list(
            session.scalars(
                select(Send.id)
                .join(ListPost, ListPost.id == Send.post_id)
                .where(ListPost.status == P.paused, Send.relay_paused_at.is_not(None))
                .order_by(Send.id)
            )
        )

    def resume_after_relay(self, send_id: int) -> bool:
        """Resume a relay the outage paused, unless the coordinator paused, resumed or
        cancelled it since (which clears the mark), as an issue's send does; the waiting
        retries become due now. Returns whether it resumed."""
        with self.ctx.db.session() as session:
            send = session.get(Send, send_id)
            post = session.get(ListPost, send.post_id) if send and send.post_id else None
            if send is None or post is None or send.relay_paused_at is None:
                return False
            send.relay_paused_at = None
            if post.status is not P.paused:
                return False
            transition_post(post, P.relaying)
            outbox.retry_now(session, send.id)
            log.info("list relay %s: the relay answers again, the relay resumes", send_id)
            return True

    # --- the coordinator's actions -----------------------------------------------------
    def pause(self, post_id: int, reason: str = "") -> P:
        """Pause the relay; ``reason`` (the coordinator's words; default: paused by the
        coordinator) shows with the post. Running senders stop after in-flight messages."""
        stored = Msg.as_written(reason) if reason.strip() else Msg(PAUSED_BY_COORDINATOR)
        with self.ctx.db.session() as session:
            post, send = self._relay(session, post_id)
            transition_post(post, P.paused, reason=stored)
            send.relay_paused_at = None
            return post.status

    def resume(self, post_id: int) -> P:
        """Resume a paused relay (waiting retries become due now)."""
        with self.ctx.db.session() as session:
            post, send = self._relay(session, post_id)
            if post.status is not P.paused:  # the machine's sent → sending is a retry's
                raise InvalidTransitionError(
                    N_("Post {post} cannot go from {from_status} to {to_status}."),
                    post=post.id,
                    from_status=post.status.value,
                    to_status=P.relaying.value,
                )
            transition_post(post, P.relaying)
            send.relay_paused_at = None
            outbox.retry_now(session, send.id)
            if send.finished_at is not None:  # it was done when paused
                _finish(post, send)
            return post.status

    def cancel(self, post_id: int) -> int:
        """Cancel the relay: nothing more goes out; returns how many deliveries were
        dropped (recorded as skipped)."""
        with self.ctx.db.session() as session:
            post, send = self._relay(session, post_id)
            transition_post(post, P.cancelled, reason=Msg(CANCELLED_BY_COORDINATOR))
            send.relay_paused_at = None
            send.finished_at = send.finished_at or utcnow()  # no sender looks at it again
            return outbox.cancel_open(session, send.id)

    def settle(self) -> int:
        """Mark ``relayed`` the open posts whose send is done (a send finished by a
        sender without this owner, say); returns how many."""
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(ListPost, Send)
                .join(Send, Send.post_id == ListPost.id)
                .where(ListPost.status.in_(OPEN), Send.finished_at.is_not(None))
            ).all()
            for post, send in rows:
                _finish(post, send)
            return len(rows)

    def _relay(self, session: Session, post_id: int) -> tuple[ListPost, Send]:
        post = session.get(ListPost, post_id)
        if post is None:
            raise NotFoundError(N_("No post {post}."), post=post_id)
        send = session.scalar(select(Send).where(Send.post_id == post_id))
        if send is None:
            raise NotFoundError(N_("Post {post} has no relay (it was not approved)."),
                                post=post_id)  # fmt: skip
        return post, send


def _finish(post: ListPost, send: Send) -> None:
    """Every delivery is done: an open relay becomes ``relayed`` (a paused or cancelled
    one stays as the coordinator left it)."""
    at = send.finished_at or utcnow()
    if post.status is P.approved:
        transition_post(post, P.relaying, at=at)
    if post.status is P.relaying:
        transition_post(post, P.relayed, at=at)
