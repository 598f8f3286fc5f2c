"""Mailing lists: the posts of a list, their moderation and their relay.

Every door (console, CLI, e-mail intake, ``serve``'s worker) calls these methods: the
intake hands posts over through ``intake()`` and ``after_intake``; moderators
``approve`` (optionally trusting the sender) or ``reject`` with a reason; ``relay``
sends the outbox rows of approved posts with the delivery worker, and ``settle`` marks
a post ``relayed`` once its send is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.segments import Segment
from newsletter.context import Context
from newsletter.delivery.dkim import DkimSigner
from newsletter.delivery.transport import Transport
from newsletter.delivery.worker import MessageFactory, Progress, RunEnd, RunResult
from newsletter.errors import NewsletterError, NotFoundError, ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Msg
from newsletter.intake.mail.automatic import may_acknowledge
from newsletter.mailinglist import moderation, relay, screening
from newsletter.mailinglist.notices import build_notice, mark_told
from newsletter.mailinglist.posts import ListIntake
from newsletter.mailinglist.relay import PostMessages, Rewrite
from newsletter.models import PostStatus
from newsletter.service.notices import NoticesService
from newsletter.store.delivery import Send
from newsletter.store.mailinglist import ListPost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostView:
    id: int
    list_id: str
    status: PostStatus
    sender: str
    sender_name: str
    subject: str
    reason: Msg | None
    note: str
    message_id: str
    in_reply_to: str
    received_at: datetime
    decided_at: datetime | None
    decided_by: str
    size: int
    #: when the poster was told it waits for a moderator / was not relayed (None: not told)
    held_notified_at: datetime | None = None
    rejected_notified_at: datetime | None = None

    @classmethod
    def of(cls, post: ListPost) -> PostView:
        return cls(
            id=post.id, list_id=post.list_id, status=post.status, sender=post.sender,
            sender_name=post.sender_name, subject=post.subject, reason=post.why,
            note=post.decision_note, message_id=post.message_id, in_reply_to=post.in_reply_to,
            received_at=post.received_at, decided_at=post.decided_at,
            decided_by=post.decided_by, size=post.size,
            held_notified_at=post.held_notified_at,
            rejected_notified_at=post.rejected_notified_at,
        )  # fmt: skip

    def as_json(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list_id,
            "status": self.status.value,
            "sender": self.sender,
            "subject": self.subject,
            "reason": self.reason.render(lang) if self.reason else "",
            "note": self.note,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "received_at": self.received_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "size": self.size,
            "held_notified_at": _iso(self.held_notified_at),
            "rejected_notified_at": _iso(self.rejected_notified_at),
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


class ListsService:
    def __init__(
        self,
        ctx: Context,
        segments: Callable[[], dict[str, Segment]],
        notices: NoticesService | None = None,
        rewrite: Rewrite | None = None,
    ) -> None:
        self.ctx = ctx
        self._segments = segments
        self.notices = notices
        #: the prepared post's header rewrite (DMARC ``From:``), None for none
        self.rewrite = rewrite

    @classmethod
    def of(cls, ctx: Context, segments: Callable[[], dict[str, Segment]],
           notices: NoticesService | None = None) -> ListsService:  # fmt: skip
        """The service as every door builds it (``Service.lists``, ``serve``'s worker):
        the relay's header rewrite (``default_rewrite``) included."""
        return cls(ctx, segments, notices, rewrite=default_rewrite(ctx))

    # --- lists -------------------------------------------------------------------------
    def segments(self) -> dict[str, Segment]:
        return self._segments()

    def posting_lists(self) -> dict[str, Segment]:
        """The lists that take posts."""
        return {k: s for k, s in self.segments().items() if s.posting is not None}

    def _list(self, list_id: str) -> Segment:
        segment = self.posting_lists().get(list_id)
        if segment is None:
            raise NotFoundError(
                N_("'{list}' is not a list that takes posts. Such lists: {known}"),
                list=list_id,
                known=", ".join(sorted(self.posting_lists())) or "-",
            )
        return segment

    # --- the intake --------------------------------------------------------------------
    def intake(self) -> ListIntake:
        return ListIntake(self.ctx.settings, self.posting_lists())

    def after_intake(self, post_ids: Sequence[int]) -> None:
        """Tell the posters of newly held posts (outside the intake's transaction)."""
        for post_id in post_ids:
            with self.ctx.db.session() as session:
                post = session.get(ListPost, post_id)
                if post is None or post.status is not PostStatus.held:
                    continue
                head = BytesHeaderParser().parsebytes(post.raw[: 256 * 1024])
                if not may_acknowledge(head):
                    continue
                segment = self.segments().get(post.list_id)
                if segment is not None:
                    self._tell(segment, post, held=True, reason=post.why or Msg(""))

    def _tell(self, segment: Segment, post: ListPost, *, held: bool, reason: Msg | str) -> None:
        if self.notices is None:
            return
        data = build_notice(self.ctx.settings, segment, post, held=held, reason=reason)
        if data is None:
            return
        try:
            self.notices.send_raw(data, post.sender, envelope_sender="")
        except NewsletterError as error:
            log.warning("poster of post %s not told: %s", post.id, error)
        except Exception:
            log.exception("notice to the poster of post %s failed", post.id)
        else:
            mark_told(post, held=held)

    # --- reading -----------------------------------------------------------------------
    def posts(self, list_id: str | None = None, status: PostStatus | None = None,
              limit: int = 500) -> list[PostView]:  # fmt: skip
        """Posts, newest first; of one list (which must take posts) and one status."""
        if list_id is not None:
            self._list(list_id)
        self.settle()
        with self.ctx.db.session() as session:
            query = select(ListPost).order_by(ListPost.id.desc()).limit(limit)
            if list_id is not None:
                query = query.where(ListPost.list_id == list_id)
            if status is not None:
                query = query.where(ListPost.status == status)
            return [PostView.of(p) for p in session.scalars(query)]

    def held(self) -> list[PostView]:
        """Every post waiting for a moderator, oldest first."""
        return sorted(self.posts(status=PostStatus.held), key=lambda p: p.id)

    def get(self, post_id: int) -> PostView:
        with self.ctx.db.session() as session:
            return PostView.of(self._post(session, post_id))

    def raw(self, post_id: int) -> bytes:
        with self.ctx.db.session() as session:
            return self._post(session, post_id).raw

    def _post(self, session: Session, post_id: int) -> ListPost:
        post = session.get(ListPost, post_id)
        if post is None:
            raise NotFoundError(N_("No post {post}."), post=post_id)
        return post

    # --- moderation --------------------------------------------------------------------
    def approve(self, post_id: int, *, by: str, trust: bool = False) -> PostView:
        """Let a held (or rejected, or dropped) post go out: its relay is queued; with
        ``trust``, the sender's next posts to the list are not held as new."""
        with self.ctx.db.session() as session:
            post = self._post(session, post_id)
            segment = self._list(post.list_id)
            refused = screening.approval_refused(
                post, segment, intake_limit=self.ctx.settings.intake_max_message
            )
            if refused is not None:
                raise ValidationError(refused[0], **refused[1])
            moderation.transition_post(post, PostStatus.approved, by=by)
            if trust and post.sender_key:
                moderation.trust(session, post.list_id, post.sender_key, by=by)
            relay.queue(session, self.ctx.settings, {segment.id: segment}, post)
            return PostView.of(post)

    def reject(self, post_id: int, *, reason: str, by: str) -> PostView:
        """Refuse a held post; the poster is told, with ``reason``, in their language."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError(N_("Say why the post is rejected."))
        with self.ctx.db.session() as session:
            post = self._post(session, post_id)
            segment = self.segments().get(post.list_id)
            moderation.transition_post(post, PostStatus.rejected, by=by, note=reason)
            view = PostView.of(post)
            tell = (
                segment is not None
                and segment.posting is not None
                and may_acknowledge(BytesHeaderParser().parsebytes(post.raw[: 256 * 1024]))
            )
        if tell and segment is not None:
            with self.ctx.db.session() as session:
                self._tell(segment, self._post(session, post_id), held=False, reason=reason)
        return view

    def trust(self, list_id: str, email: str, *, by: str) -> bool:
        self._list(list_id)
        with self.ctx.db.session() as session:
            return moderation.trust(session, list_id, email.strip().casefold(), by=by)

    # --- relay -------------------------------------------------------------------------
    def open_relays(self) -> list[int]:
        """Send ids of the relays not finished yet (nor paused)."""
        from newsletter.service.list_relays import ListRelays

        with self.ctx.db.session() as session:
            return ListRelays.due(session)

    def message_factory(self, send_id: int) -> MessageFactory:
        with self.ctx.db.session() as session:
            send = session.get(Send, send_id)
            if send is None or send.post_id is None:
                raise NotFoundError(N_("No relay {send}."), send=send_id)
            post = self._post(session, send.post_id)
            segment = self._list(post.list_id)
            raw = post.raw
            session.expunge(post)
        messages = PostMessages(self.ctx.settings, segment, post, raw, rewrite=self.rewrite,
                                signer=DkimSigner.from_settings(self.ctx.settings))  # fmt: skip
        for language in LANGUAGES:  # the rewrite's DNS look-up here, not in the event loop
            messages.prepared(language)
        return messages

    async def relay(
        self,
        worker_of: Callable[..., Any],
        transport: Transport,
        stop: asyncio.Event,
        *,
        progress: Callable[[Progress], None] | None = None,
    ) -> list[RunResult]:
        """Send every open relay once through the delivery worker (``worker_of`` builds
        it: the sending service's, with its bounce accounting); settle the posts."""
        worker = worker_of(transport, progress=progress)
        results = []
        try:
            for send_id in await asyncio.to_thread(self.open_relays):
                factory = await asyncio.to_thread(self.message_factory, send_id)
                while True:
                    result = await worker.run_send(send_id, factory, stop)
                    if result.end is RunEnd.busy and not stop.is_set():
                        await asyncio.sleep(0.5)
                        continue
                    break
                results.append(result)
        finally:
            await asyncio.to_thread(worker.unregister)
        await asyncio.to_thread(self.settle)
        return results

    def settle(self) -> int:
        """Mark ``relayed`` the open posts whose send is done; returns how many."""
        from newsletter.service.list_relays import ListRelays

        return ListRelays(self.ctx).settle()


def default_rewrite(ctx: Context) -> Rewrite | None:
    """The header rewrite of every relayed post: the DMARC ``From:`` rewrite
    (``mailinglist.dmarc``), its look-ups cached for the process."""
    from newsletter.mailinglist import dmarc

    return dmarc.relay_rewrite(dmarc.shared_lookup(ctx.settings))
