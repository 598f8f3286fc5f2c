"""Service of the delivery stage: start, run, pause, resume, cancel and report sends.

The web console, the command line and the scheduler call this; it holds no SQL and no
SMTP itself (``delivery.outbox`` and the transports do).

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
from datetime import datetime, timedelta
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
from newsletter.errors import ConfigurationError, NotFoundError, RenderError, ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, Msg, gettext
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus as S
from newsletter.models import Language, Membership
from newsletter.render import PreparedIssue, PreparedMessage, prepare_issue
from newsletter.report.delivery_csv import delivery_report_csv
from newsletter.service.audience import AudienceService
from newsletter.service.supervision import (
    DELIVERY,
    RUNNING,
    WAITING,
    HealthBoard,
    read_health,
)
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery, Send
from newsletter.store.editorial import Issue

log = logging.getLogger(__name__)

PAUSED_BY_COORDINATOR = N_("Paused by the coordinator.")
CANCELLED = "cancelled before delivery"
CANCELLED_BY_COORDINATOR = N_("Cancelled by the coordinator.")
HELD_LATE = N_(
    "Held: the scheduled time passed while the application was stopped. "
    "Check the issue, then resume or reschedule it."
)


class DeliveryService:
    def __init__(self, ctx: Context, audience: AudienceService | None = None) -> None:
        self.ctx = ctx
        self.audience = audience
        #: issues rendered by ``check_renderable`` and not yet used by ``message_factory``
        #: (a sending issue cannot change: its rendering stays valid)
        self._rendered: dict[int, PreparedIssue] = {}
        self._serve_worker_id = f"serve-{uuid.uuid4().hex[:12]}"

    # --- starting ----------------------------------------------------------------------

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
        (RenderError, reason kept on the issue) before anyone is queued."""
        if not self._has_send(issue_id):
            self.check_renderable(issue_id)  # a started send is checked by message_factory
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

    def _has_send(self, issue_id: int) -> bool:
        with self.ctx.db.session() as session:
            return outbox.get_send(session, issue_id) is not None

    def _readers(self, issue_id: int) -> list[tuple[str, str]]:
        """The (language, membership) pairs of the recipients of a started send."""
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(Delivery.language, Delivery.membership)
                .where(Delivery.issue_id == issue_id)
                .distinct()
            ).all()
            return [(language.value, membership.value) for language, membership in rows]

    def check_renderable(
        self, issue_id: int, readers: list[tuple[str, str]] | None = None
    ) -> PreparedIssue:
        """The issue with every variant a send may use rendered (those of ``readers``,
        (language, membership) pairs, or all of them).

        When one cannot be rendered (a template error, a text the splice refuses) nothing
        goes out: the reason is kept on the issue (``status`` shows it), a scheduled or
        sending issue is paused, and RenderError is raised."""
        with self.ctx.db.session() as session:
            prepared = prepare_issue(session, self.ctx.settings, issue_id)
        try:
            prepared.render_all(readers)
        except RenderError as error:
            self._hold(issue_id, error)
            raise
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            if issue.status is S.draft and issue.status_reason:
                issue.status_reason = ""  # a former render failure, fixed since
        self._rendered[issue_id] = prepared
        return prepared

    def _hold(self, issue_id: int, error: RenderError) -> None:
        reason = error.localized(DEFAULT_LANGUAGE)
        log.error("issue %s not sent: %s", issue_id, ascii(reason))
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            if issue.status in (S.scheduled, S.sending):
                transition_issue(issue, S.paused, reason=reason)
            elif issue.status in (S.draft, S.paused):
                issue.status_reason = reason

    # --- running -----------------------------------------------------------------------

    def message_factory(self, issue_id: int) -> MessageFactory:
        """Per-recipient messages of ``issue_id`` through the rendering stage (every
        variant rendered before the first message: see ``check_renderable``)."""
        prepared = self._rendered.pop(issue_id, None)
        if prepared is None:
            prepared = self.check_renderable(issue_id, self._readers(issue_id))

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
        """Permanent failures count towards the subscriber's bounce limit."""
        if self.audience is None:
            return
        record_bounce: Callable[..., Any] | None = getattr(self.audience, "record_bounce", None)
        if record_bounce is None:
            log.warning("audience service has no record_bounce; %d failures not counted",
                        len(failures))  # fmt: skip
            return
        for subscriber_id, reason in failures:
            record_bounce(subscriber_id, hard=False, reason=reason)

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

    # --- scheduling --------------------------------------------------------------------

    def schedule(self, issue_id: int, at: datetime, lists: Sequence[str] | None = None) -> None:
        """Plan the send of ``issue_id`` at ``at`` (aware); again to reschedule. The
        scheduler of ``serve`` picks it up (``schedule.sync_jobs``)."""
        if at.tzinfo is None:
            raise ValidationError(N_("A scheduled time needs a time zone."))
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            target = list(lists or issue.lists or [])
            if not target:
                raise ValidationError(
                    N_("Say which lists to send issue {issue} to."), issue=issue_id
                )
            if outbox.get_send(session, issue_id) is not None:
                raise ValidationError(N_("Issue {issue} is already being sent."), issue=issue_id)
            transition_issue(issue, S.scheduled)
            issue.scheduled_at = at
            issue.lists = target

    def run_scheduled(self, issue_id: int, now: datetime | None = None) -> bool:
        """Called when a scheduled time comes: start the send, or hold it when the time
        passed more than SCHEDULE_GRACE_MINUTES ago (the app was down). True if started."""
        now = now or utcnow()
        grace = timedelta(minutes=self.ctx.settings.schedule_grace_minutes)
        with self.ctx.db.session() as session:
            issue = session.get(Issue, issue_id)
            if issue is None or issue.status is not S.scheduled or issue.scheduled_at is None:
                return False
            due = issue.scheduled_at
            if now - due > grace:
                transition_issue(issue, S.paused, reason=gettext(DEFAULT_LANGUAGE, HELD_LATE))
                issue.scheduled_at = due
                return False
        try:
            self.start_send(issue_id)
        except RenderError:
            return False  # paused, with the reason on the issue
        return True

    # --- coordinator actions -----------------------------------------------------------

    def pause(self, issue_id: int, reason: str = "") -> None:
        """Pause; ``reason`` (default: paused by the coordinator) shows in the status."""
        reason = reason or gettext(DEFAULT_LANGUAGE, PAUSED_BY_COORDINATOR)
        with self.ctx.db.session() as session:
            transition_issue(self._issue(session, issue_id), S.paused, reason=reason)

    def resume(self, issue_id: int) -> None:
        """Resume a paused send (waiting retries become due now), or start a held
        scheduled one."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            if send is not None:
                transition_issue(issue, S.sending)
                outbox.retry_now(session, send.id)
                return
        self.start_send(issue_id)

    def retry_failed(self, issue_id: int) -> int:
        """Try the recipients whose delivery failed permanently once more (after the
        relay was fixed, say). Those who unsubscribed or bounced since are skipped when
        claimed; nobody who received the issue gets it again. Returns how many."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            if send is None:
                raise NotFoundError(N_("Issue {issue} has not been sent."), issue=issue_id)
            count = outbox.requeue_failed(session, send.id)
            if count and issue.status in (S.sent, S.paused):
                transition_issue(issue, S.sending)
            return count

    def cancel(self, issue_id: int) -> int:
        """Cancel: nothing more goes out; returns how many deliveries were dropped."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            transition_issue(
                issue, S.cancelled, reason=gettext(DEFAULT_LANGUAGE, CANCELLED_BY_COORDINATOR)
            )
            send = outbox.get_send(session, issue_id)
            return outbox.cancel_open(session, send.id, CANCELLED) if send else 0

    # --- reporting ---------------------------------------------------------------------

    def status(self, issue_id: int) -> dict[str, Any]:
        """``{"id","status","total","queued","sent","failed","bounced", …}`` of an issue;
        ``reason`` says why a send is paused or held."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            tally = outbox.counts(session, send.id) if send else {s: 0 for s in D}
            retry_at = outbox.next_retry_at(session, send.id) if send else None
            document: dict[str, Any] = {
                "id": issue.id,
                "status": issue.status.value,
                "total": sum(tally.values()),
                "queued": tally[D.queued] + tally[D.sending] + tally[D.failed_temporary],
                "sent": tally[D.sent],
                "failed": tally[D.failed_permanent],
                "bounced": tally[D.bounced],
                "skipped": tally[D.skipped],
                "retrying": tally[D.failed_temporary],
                "lists": list(send.lists if send else issue.lists or []),
                "scheduled_at": _iso(issue.scheduled_at),
                "started_at": _iso(issue.send_started_at),
                "sent_at": _iso(issue.sent_at),
                "next_retry_at": _iso(retry_at),
            }
            if issue.status in (S.paused, S.cancelled) or issue.status_reason:
                document["reason"] = issue.status_reason
        document["workers"] = self.workers()
        return document

    def workers(self, lang: str = DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
        """What the sending tasks of the running processes are doing:
        ``[{"task","state","message","since","retry_at"}]``; ``state`` is ``running``,
        ``stopped`` (restarting at ``retry_at``) or ``waiting`` (for the database)."""
        return [state.document(lang) for state in read_health(self.ctx.settings.data_dir)]

    def deliveries(self, issue_id: int, status: D | None = None) -> list[dict[str, Any]]:
        """Who got what: one entry per recipient with status, attempts and last reply."""
        with self.ctx.db.session() as session:
            query = select(Delivery).where(Delivery.issue_id == issue_id).order_by(Delivery.id)
            if status is not None:
                query = query.where(Delivery.status == status)
            return [
                {
                    "id": d.id,
                    "email": d.email,
                    "status": d.status.value,
                    "attempts": d.attempts,
                    "last_reply": d.last_reply,
                    "message_id": d.message_id,
                    "sent_at": _iso(d.sent_at),
                }
                for d in session.scalars(query)
            ]

    def report_csv(self, issue_id: int) -> bytes:
        """The delivery report as CSV, every cell spreadsheet-safe (``report.delivery_csv``)."""
        self.status(issue_id)  # NotFoundError for an unknown issue
        return delivery_report_csv(self.deliveries(issue_id))

    def mark_bounced(
        self, delivery_id: int, *, hard: bool, reason: str, limit: int | None = None
    ) -> int | None:
        """A bounce came back for ``delivery_id`` (found with ``verp.delivery_id_from_address``):
        mark the delivery bounced and count it for its subscriber. Returns the subscriber id."""
        with self.ctx.db.session() as session:
            subscriber_id = outbox.mark_bounced(session, delivery_id, reason)
        if subscriber_id is None:
            return None
        if self.audience is not None:
            self.audience.record_bounce(subscriber_id, hard=hard, reason=reason, limit=limit)
        return subscriber_id

    # --- helpers -----------------------------------------------------------------------

    def _issue(self, session: Any, issue_id: int) -> Issue:
        issue = session.get(Issue, issue_id)
        if issue is None:
            raise NotFoundError(N_("No issue {issue}."), issue=issue_id)
        return issue  # type: ignore[no-any-return]

    def _send_id(self, issue_id: int) -> int:
        with self.ctx.db.session() as session:
            send = outbox.get_send(session, issue_id)
            if send is None:
                raise NotFoundError(N_("Issue {issue} has not been sent."), issue=issue_id)
            return send.id


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
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
