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
from newsletter.delivery import outbox, snapshots
from newsletter.delivery.dkim import DkimSigner
from newsletter.delivery.messages import IssueMessages
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.smtp import SmtpPool
from newsletter.delivery.snapshots import RecipientLike
from newsletter.delivery.transport import Probing, Transport
from newsletter.delivery.worker import MessageFactory, Progress, RunEnd, RunResult, Worker
from newsletter.editorial.issue_status import transition_issue
from newsletter.errors import ConfigurationError, RenderError, ValidationError
from newsletter.faults import storage_error
from newsletter.i18n import N_, Msg
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus as S
from newsletter.models import Language, Membership
from newsletter.render.contract import PreparedMessage
from newsletter.service.delivery_base import Audience
from newsletter.service.render_check import RenderCheck
from newsletter.service.supervision import DELIVERY, RUNNING, WAITING, HealthBoard
from newsletter.service.variants import PendingRender
from newsletter.store.base import utcnow
from newsletter.store.delivery import Send
from newsletter.store.editorial import Issue

log = logging.getLogger(__name__)

#: the progress note while an automatically paused send waits for its relay
WAITING_FOR_RELAY = N_("waiting for the SMTP relay")
#: the longest wait between two tries of a relay that does not answer
RELAY_RETRY_MAX_SECONDS = 600.0


class Sending(RenderCheck):
    """Start sends and run the worker."""

    def __init__(self, ctx: Context, audience: Audience = None) -> None:
        super().__init__(ctx, audience)
        self._serve_worker_id = f"serve-{uuid.uuid4().hex[:12]}"
        #: render children started ahead of ``start_send`` (``render_ahead``)
        self._ahead: dict[int, PendingRender] = {}

    def render_ahead(self, issue_id: int, pending: PendingRender | None = None) -> None:
        """With ``render_in_child``, start rendering a new send's variants now (or take
        ``pending``, the render child the caller started for this issue before it even
        loaded the engine), for ``start_send`` to use: the child renders while the
        caller does its checks and warnings (nothing is written before ``start_send``).
        A send that has started already ends it (a resume renders what its recipients
        need, once it runs). A render not used by ``start_send`` ends with
        ``drop_ahead``."""
        if not self.render_in_child or issue_id in self._ahead:
            if pending is not None:
                pending.close()
            return
        # the child first: it renders while this process asks whether the send started
        if pending is None:
            pending = PendingRender(self.ctx.settings, issue_id)
        if self.has_send(issue_id):
            pending.close()
        else:
            self._ahead[issue_id] = pending

    def drop_ahead(self, issue_id: int) -> None:
        """End the render child ``render_ahead`` started, if ``start_send`` did not use it."""
        pending = self._ahead.pop(issue_id, None)
        if pending is not None:
            pending.close()

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

        Every variant is rendered before the snapshot is committed: an issue that cannot
        be rendered is refused (RenderError, reason kept on the issue) before anyone is
        queued; a started send is checked by ``message_factory``. With
        ``render_in_child`` the child renders while the snapshot is taken (or since
        ``render_ahead``)."""
        if self.has_send(issue_id):
            self.drop_ahead(issue_id)
            return self._started(issue_id, lists, recipients)
        if not self.render_in_child:
            self.drop_ahead(issue_id)
            self.prepare_variants(issue_id)
            return self._started(issue_id, lists, recipients)
        pending = self._ahead.pop(issue_id, None) or PendingRender(self.ctx.settings, issue_id)
        try:
            try:
                total = self._started(issue_id, lists, recipients, rendered=pending.result)
            except RenderError as error:  # the snapshot was rolled back: nobody is queued
                self._hold(issue_id, error)
                raise
            self.finish_render(issue_id, pending)
        finally:
            pending.close()  # a child whose answer was not read (a refusal, an error)
        return total

    def _started(
        self,
        issue_id: int,
        lists: Sequence[str] | None,
        recipients: Iterable[RecipientLike] | None,
        rendered: Callable[[list[tuple[str, str]]], object] | None = None,
    ) -> int:
        try:
            return self._start_send(issue_id, lists, recipients, rendered)
        except IntegrityError:
            # another process took the snapshot at the same moment: use theirs
            return self._start_send(issue_id, lists, recipients, rendered)

    def _start_send(
        self,
        issue_id: int,
        lists: Sequence[str] | None,
        recipients: Iterable[RecipientLike] | None,
        rendered: Callable[[list[tuple[str, str]]], object] | None = None,
    ) -> int:
        """``rendered``: waits for the variants the snapshot's readers need (their
        (language, membership) pairs; RenderError) before a new snapshot is committed."""
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
            send = snapshots.snapshot(session, self.ctx.settings, issue_id, target, stream)
            if send.total == 0:  # raising rolls the empty snapshot back
                raise ValidationError(
                    N_("Nobody to send issue {issue} to in {lists}."),
                    issue=issue_id,
                    lists=", ".join(target),
                )
            transition_issue(issue, S.sending)
            total = send.total
            if rendered is not None:  # raising rolls the snapshot back
                rendered(snapshots.readers(session, send.id))
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
            prepared = self.prepare_variants(issue_id, self.readers(issue_id))

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

    def worker(self, transport: Transport, *, relays: bool = True, **options: Any) -> Worker:
        """The worker of issue sends and, with ``relays``, of list posts' relays (their
        status: ``list_relays``). ``run`` sends one issue and leaves them out, so that
        ``issue send`` loads none of the mailing-list code."""
        if relays:
            from newsletter.service.list_relays import ListRelays

            options.setdefault("owner", ListRelays(self.ctx))
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
        worker = self.worker(transport, relays=False, progress=progress, policy=policy,
                             **options)  # fmt: skip
        try:
            while True:
                result = await worker.run_send(send_id, factory, stop)
                if result.end is RunEnd.paused and result.relay_down and not stop.is_set():
                    if await self._await_relay(issue_id, transport, stop, worker.totals, progress):
                        worker.windows.pop(send_id, None)  # judge the resumed send afresh
                        continue
                    result = await asyncio.to_thread(self._paused_result, issue_id, result)
                    if result.end is RunEnd.busy and not stop.is_set():  # resumed by hand
                        worker.windows.pop(send_id, None)
                        continue
                    return result
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
        factories: dict[tuple[int, int], MessageFactory] = {}
        relay_tries: dict[tuple[str, int], tuple[float, float]] = {}
        try:
            while not stop.is_set():
                await self._resume_relays(transport, relay_tries)
                worked = False
                due = await asyncio.to_thread(self._due_sends)
                for gone in set(factories) - set(due):
                    del factories[gone]  # back to draft, say: its next send renders anew
                for issue_id, send_id in due:
                    if stop.is_set():
                        break
                    try:
                        key = (issue_id, send_id)
                        factory = factories.get(key) or self._factory_of(issue_id, send_id)
                    except Exception:
                        log.exception("cannot prepare issue %s", issue_id)
                        continue
                    factories[key] = factory
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

    # --- automatic resume after a relay outage -----------------------------------------

    def relay_paused(self, issue_id: int) -> bool:
        """Whether the send is paused because its relay did not answer (and will resume
        by itself once it answers)."""
        with self.ctx.db.session() as session:
            send = outbox.get_send(session, issue_id)
            issue = session.get(Issue, issue_id)
            return (
                send is not None
                and send.relay_paused_at is not None
                and issue is not None
                and issue.status is S.paused
            )

    def resume_after_relay(self, issue_id: int) -> bool:
        """Resume a send the relay outage paused, unless the coordinator paused, resumed or
        cancelled it since (which clears the mark); the waiting retries become due now.
        Returns whether it resumed."""
        with self.ctx.db.session() as session:
            send = outbox.get_send(session, issue_id)
            issue = session.get(Issue, issue_id)
            if send is None or send.relay_paused_at is None or issue is None:
                return False
            if issue.status is not S.paused:
                send.relay_paused_at = None
                return False
            send.relay_paused_at = None
            transition_issue(issue, S.sending)
            outbox.retry_now(session, send.id)
            log.info("issue %s: the relay answers again, the send resumes", issue_id)
            return True

    async def _await_relay(
        self,
        issue_id: int,
        transport: Transport,
        stop: asyncio.Event,
        shown: Progress,
        progress: Callable[[Progress], None] | None,
    ) -> bool:
        """Try the relay with a backoff (RELAY_RETRY_SECONDS doubling to 10 minutes) until
        it answers, then resume; False when stopped, when the coordinator took the send
        over (paused, resumed or cancelled it) or when automatic resume is off."""
        delay = self.ctx.settings.relay_retry_seconds
        if delay <= 0 or not isinstance(transport, Probing):
            return False
        shown.note = WAITING_FOR_RELAY
        if progress is not None:
            progress(shown)
        try:
            while not stop.is_set():
                await _sleep_or_stop(stop, delay)
                if stop.is_set():
                    return False
                try:
                    still = await asyncio.to_thread(self.relay_paused, issue_id)
                except Exception as error:  # the database is away too: wait for it
                    if storage_error(error) is None:
                        raise
                    continue
                if not still:
                    return False
                if await transport.probe():
                    return await asyncio.to_thread(self.resume_after_relay, issue_id)
                delay = min(RELAY_RETRY_MAX_SECONDS, delay * 2)
            return False
        finally:
            shown.note = ""

    def _paused_result(self, issue_id: int, result: RunResult) -> RunResult:
        """The run's end when the coordinator took over a send that waited for its relay."""
        with self.ctx.db.session() as session:
            issue = session.get(Issue, issue_id)
            if issue is None:
                return result
            if issue.status is S.sending:
                return RunResult(RunEnd.busy, result.progress)
            return RunResult(RunEnd.paused, result.progress, reason=issue.reason)

    async def _resume_relays(
        self, transport: Transport, tries: dict[tuple[str, int], tuple[float, float]]
    ) -> None:
        """For ``serve``: resume the sends (issues') and relays (list posts') a relay
        outage paused once the relay answers; ``tries`` holds (next try, delay) per
        ("issue", issue id) or ("post", send id), in the event loop's time."""
        first = self.ctx.settings.relay_retry_seconds
        if first <= 0 or not isinstance(transport, Probing):
            return
        loop = asyncio.get_running_loop()
        waiting = await asyncio.to_thread(self._relay_paused)
        for gone in set(tries) - set(waiting):
            del tries[gone]
        for key in waiting:
            at, delay = tries.setdefault(key, (loop.time() + first, first))
            if loop.time() < at:
                continue
            if await transport.probe() and await asyncio.to_thread(self._resume_paused, key):
                del tries[key]
                continue
            delay = min(RELAY_RETRY_MAX_SECONDS, delay * 2)
            tries[key] = (loop.time() + delay, delay)

    def _relay_paused(self) -> list[tuple[str, int]]:
        from newsletter.service.list_relays import ListRelays

        with self.ctx.db.session() as session:
            issues = session.scalars(
                select(Send.issue_id)
                .join(Issue, Issue.id == Send.issue_id)
                .where(Issue.status == S.paused, Send.relay_paused_at.is_not(None))
            )
            found = [("issue", issue_id) for issue_id in issues if issue_id is not None]
            return found + [("post", send_id) for send_id in ListRelays.relay_paused(session)]

    def _resume_paused(self, key: tuple[str, int]) -> bool:
        kind, number = key
        if kind == "issue":
            return self.resume_after_relay(number)
        from newsletter.service.list_relays import ListRelays

        return ListRelays(self.ctx).resume_after_relay(number)

    def _factory_of(self, issue_id: int, send_id: int) -> MessageFactory:
        """The messages of an issue's send, or (issue 0) of a list post's relay."""
        if issue_id:
            return self.message_factory(issue_id)
        from newsletter.service.lists import ListsService

        segments = load_segments(self.ctx.settings.lists_dir)[0]
        return ListsService.of(self.ctx, lambda: segments).message_factory(send_id)

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
                assert issue_id is not None  # joined on its issue
                tally = outbox.counts(session, send_id)
                retry_at = outbox.next_retry_at(session, send_id)
                if tally[D.queued] or tally[D.sending] or (retry_at and retry_at <= now):
                    due.append((issue_id, send_id))
                elif not tally[D.failed_temporary]:
                    due.append((issue_id, send_id))  # finished: the run marks it sent
            # the relays of list posts (issue 0): the same worker, the same rules
            from newsletter.service.list_relays import ListRelays

            due.extend((0, send_id) for send_id in ListRelays.due(session))
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
