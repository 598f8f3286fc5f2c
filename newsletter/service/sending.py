"""Sending: snapshot the recipients, build the messages, run the worker (``issue send``
and ``serve``'s delivery worker).

Entry point for ``newsletter serve``::

    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(ctx, stop))   # SMTP pool, or given transport
    ...
    stop.set(); await task                               # drains in-flight messages
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.audience.segments import iter_recipients, load_segments
from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.delivery.dkim import DkimSigner
from newsletter.delivery.messages import IssueMessages
from newsletter.delivery.outbox import RecipientLike
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.smtp import SmtpPool
from newsletter.delivery.transport import Transport
from newsletter.delivery.worker import MessageFactory, Progress, RunEnd, RunResult, Worker
from newsletter.editorial.issue_status import transition_issue
from newsletter.errors import ConfigurationError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus as S
from newsletter.models import Language, Membership
from newsletter.render import PreparedMessage
from newsletter.service.audience import AudienceService
from newsletter.service.render_check import RenderCheck
from newsletter.service.supervision import DELIVERY, RUNNING, WAITING, HealthBoard
from newsletter.store.base import utcnow
from newsletter.store.delivery import Send
from newsletter.store.editorial import Issue

log = logging.getLogger(__name__)


class Sending(RenderCheck):
    """Start sends and run the worker."""

    def __init__(self, ctx: Context, audience: AudienceService | None = None) -> None:
        super().__init__(ctx, audience)
        self._serve_worker_id = f"serve-{uuid.uuid4().hex[:12]}"

    def start_send(
        self,
        issue_id: int,
        lists: Sequence[str] | None = None,
        *,
        recipients: Iterable[RecipientLike] | None = None,
    ) -> int:
        """Snapshot the recipients into the outbox (once) and mark the issue sending.

        Idempotent: on an issue whose send already started (a crash, a resume) it only
        makes sure the issue is ``sending``. Returns the number of recipients.

        Every variant is rendered first: an issue that cannot be rendered is refused
        (RenderError, reason kept on the issue) before anyone is queued; a started send
        is checked by ``message_factory``."""
        if not self.has_send(issue_id):
            self.check_renderable(issue_id)
        try:
            return self._start_send(issue_id, lists, recipients)
        except IntegrityError:
            # another process took the snapshot at the same moment: use theirs
            return self._start_send(issue_id, lists, recipients)

    def _start_send(
        self,
        issue_id: int,
        lists: Sequence[str] | None,
        recipients: Iterable[RecipientLike] | None,
    ) -> int:
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            if send is not None:
                if issue.status is S.sent:
                    raise ValidationError(
                        N_("Issue {issue} has already been sent."), issue=issue_id
                    )
                if issue.status is S.cancelled:
                    raise ValidationError(N_("Issue {issue} was cancelled."), issue=issue_id)
                if issue.status in (S.draft, S.paused, S.scheduled):
                    transition_issue(issue, S.sending)
                return send.total
            target = list(lists or issue.lists or [])
            if not target:
                raise ValidationError(
                    N_("Say which lists to send issue {issue} to."), issue=issue_id
                )
            if issue.status not in (S.draft, S.scheduled, S.paused):
                raise ValidationError(
                    N_("Issue {issue} cannot be sent from status {status}."),
                    issue=issue_id,
                    status=issue.status.value,
                )
            issue.lists = target
            stream = recipients if recipients is not None else self._recipients(session, target)
            send = outbox.snapshot(session, self.ctx.settings, issue_id, target, stream)
            if send.total == 0:  # raising rolls the empty snapshot back
                raise ValidationError(
                    N_("Nobody to send issue {issue} to in {lists}."),
                    issue=issue_id,
                    lists=", ".join(target),
                )
            transition_issue(issue, S.sending)
            total = send.total
        return total

    def _recipients(self, session: Session, lists: list[str]) -> Iterable[RecipientLike]:
        """Active subscribers of the lists, deduplicated, streamed (unknown list: error)."""
        segments, _errors = load_segments(self.ctx.settings.lists_dir)
        return iter_recipients(session, segments, lists)

    # --- running -----------------------------------------------------------------------

    def message_factory(self, issue_id: int) -> MessageFactory:
        """Per-recipient messages of ``issue_id`` through the rendering stage (every
        variant its recipients need rendered before the first message)."""
        prepared = self.rendered(issue_id)
        if prepared is None:
            prepared = self.check_renderable(issue_id, self.readers(issue_id))

        def variant(language: Language, membership: Membership) -> PreparedMessage:
            return prepared.variant(language.value, membership.value)

        return IssueMessages(
            self.ctx.settings, issue_id, variant, DkimSigner.from_settings(self.ctx.settings)
        )

    def transport(self) -> Transport:
        """The SMTP pool of the settings; refuses when no SMTP_HOST is configured."""
        if not self.ctx.settings.smtp_host:
            raise ConfigurationError(
                N_(
                    "No SMTP server configured (NEWSLETTER_SMTP_HOST). Configure one, or "
                    "send into the embedded mail catcher with --catcher."
                )
            )
        return SmtpPool.from_settings(self.ctx.settings)

    def worker(self, transport: Transport, **options: Any) -> Worker:
        return Worker(self.ctx.db, self.ctx.settings, transport, on_permanent=self._permanent,
                      **options)  # fmt: skip

    def _permanent(self, failures: list[tuple[int, str]]) -> None:
        """Permanent failures count towards the subscriber's bounce limit; one that says
        the address does not exist (5.1.1 user unknown, 5.1.2 no such domain) is a hard
        bounce: the subscriber is ``bounced`` at once."""
        from newsletter.report.reasons import is_hard

        if self.audience is None:
            return
        record_bounce: Callable[..., Any] | None = getattr(self.audience, "record_bounce", None)
        if record_bounce is None:
            log.warning("audience service has no record_bounce; %d failures not counted",
                        len(failures))  # fmt: skip
            return
        for subscriber_id, reason in failures:
            record_bounce(subscriber_id, hard=is_hard(reason), reason=reason)

    async def run(
        self,
        issue_id: int,
        transport: Transport,
        stop: asyncio.Event,
        *,
        factory: MessageFactory | None = None,
        wait_retries: bool = False,
        progress: Callable[[Progress], None] | None = None,
        policy: RetryPolicy | None = None,
        **options: Any,
    ) -> RunResult:
        """Send the outbox of ``issue_id`` until done, paused, stopped or (unless
        ``wait_retries``) only later retries remain."""
        send_id = self._send_id(issue_id)
        factory = factory or self.message_factory(issue_id)
        worker = self.worker(transport, progress=progress, policy=policy, **options)
        try:
            while True:
                result = await worker.run_send(send_id, factory, stop)
                if result.end is RunEnd.busy and not stop.is_set():
                    await _sleep_or_stop(stop, 1.0)
                    continue
                if result.end is RunEnd.waiting and wait_retries and not stop.is_set():
                    due = result.next_retry_at or utcnow()
                    await _sleep_or_stop(stop, max(0.05, (due - utcnow()).total_seconds()))
                    continue
                return result
        finally:
            await asyncio.to_thread(worker.unregister)

    async def run_worker(self, stop: asyncio.Event, transport: Transport | None = None,
                         idle_seconds: float = 2.0, board: HealthBoard | None = None,
                         **options: Any) -> None:  # fmt: skip
        """Send every issue in status ``sending`` (retries included) until ``stop``.

        Started again by ``serve``'s supervision after an error: the worker keeps one id
        per process, so the rows its previous run had claimed go back to the queue at
        once instead of after the lease."""
        own = transport is None
        transport = transport or self.transport()
        options.setdefault("worker_id", self._serve_worker_id)
        if board is not None:
            options.setdefault("progress", partial(_show_waiting, board))
        worker = self.worker(transport, **options)
        await asyncio.to_thread(outbox.release_all, self.ctx.db, worker.id)
        factories: dict[int, MessageFactory] = {}
        try:
            while not stop.is_set():
                worked = False
                for issue_id, send_id in await asyncio.to_thread(self._due_sends):
                    if stop.is_set():
                        break
                    try:
                        factory = factories.get(issue_id) or self.message_factory(issue_id)
                    except Exception:
                        log.exception("cannot prepare issue %s", issue_id)
                        continue
                    factories[issue_id] = factory
                    before = worker.totals.sent + worker.totals.failed + worker.totals.retrying
                    result = await worker.run_send(send_id, factory, stop)
                    after = result.progress.sent + result.progress.failed + result.progress.retrying
                    worked = worked or after > before
                if not worked:
                    await _sleep_or_stop(stop, idle_seconds)
        finally:
            await asyncio.to_thread(worker.unregister)
            if own:
                await transport.close()

    def _due_sends(self) -> list[tuple[int, int]]:
        now = utcnow()
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(Send.issue_id, Send.id)
                .join(Issue, Issue.id == Send.issue_id)
                .where(Issue.status == S.sending)
                .order_by(Send.id)
            ).all()
            due = []
            for issue_id, send_id in rows:
                tally = outbox.counts(session, send_id)
                retry_at = outbox.next_retry_at(session, send_id)
                if tally[D.queued] or tally[D.sending] or (retry_at and retry_at <= now):
                    due.append((issue_id, send_id))
                elif not tally[D.failed_temporary]:
                    due.append((issue_id, send_id))  # finished: the run marks it sent
            return due


async def run_worker(ctx: Context, stop: asyncio.Event, transport: Transport | None = None) -> None:
    """The delivery worker of ``newsletter serve``: sends every issue in status
    ``sending`` (new sends, resumed ones, due retries) until ``stop`` is set, then
    drains in-flight messages and returns. ``transport`` defaults to the SMTP pool of
    the settings (ConfigurationError without SMTP_HOST: pass the catcher's pool, e.g.
    ``SmtpPool.from_settings(catcher.smtp_settings(settings))``)."""
    from newsletter.service import Service

    await Service(ctx).delivery.run_worker(stop, transport)


def _show_waiting(board: HealthBoard, progress: Progress) -> None:
    """The serve worker's state on the board: waiting for the database, or running."""
    if progress.fault is not None:
        board.set(DELIVERY, WAITING, Msg(progress.fault.waiting()))
    else:
        board.set(DELIVERY, RUNNING)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
