"""Reporting: the counts of a send, who got what, bounces, the state of the workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from newsletter.delivery import notes, outbox
from newsletter.i18n import DEFAULT_LANGUAGE, Msg
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus as S
from newsletter.service.delivery_base import DeliveryBase, _iso
from newsletter.service.supervision import RUNNING, TaskState, read_health
from newsletter.store.delivery import Delivery

if TYPE_CHECKING:  # the report code loads only for a full status, never in the sender
    from newsletter.report.clicks import LinkCount


@dataclass(frozen=True)
class SendStatus:
    """The counts of an issue's send and why it is paused or held (``issue status``)."""

    id: int
    status: str
    total: int
    #: still to go: queued, being sent or waiting for a retry
    queued: int
    sent: int
    failed: int
    bounced: int
    skipped: int
    retrying: int
    lists: list[str]
    scheduled_at: datetime | None
    started_at: datetime | None
    sent_at: datetime | None
    next_retry_at: datetime | None
    #: what the issue caused (``report.feedback``)
    unsubscribed: int
    complaints: int
    #: why it is paused, held or cancelled, translated when shown
    reason: Msg | None
    #: what the sending tasks of the running processes are doing
    workers: list[TaskState] = field(default_factory=list)
    #: how many times each link was followed (CLICK_COUNTING), most followed first
    clicks: list[LinkCount] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Deliveries that reached an end: sent, failed, bounced or skipped."""
        return self.sent + self.failed + self.bounced + self.skipped

    @property
    def shows_reason(self) -> bool:
        return self.status in (S.paused, S.cancelled) or self.reason is not None

    def reason_text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.reason.render(lang) if self.reason else ""

    def stopped(self) -> list[TaskState]:
        """The tasks that are not running ("delivery worker stopped: …")."""
        return [w for w in self.workers if w.state != RUNNING]

    def document(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The ``issue status --json`` document: ``{"id","status","total","queued",
        "sent","failed","bounced", …}``; ``reason`` only when paused, cancelled or held."""
        document: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "total": self.total,
            "queued": self.queued,
            "sent": self.sent,
            "failed": self.failed,
            "bounced": self.bounced,
            "skipped": self.skipped,
            "retrying": self.retrying,
            "lists": list(self.lists),
            "scheduled_at": _iso(self.scheduled_at),
            "started_at": _iso(self.started_at),
            "sent_at": _iso(self.sent_at),
            "next_retry_at": _iso(self.next_retry_at),
            "unsubscribed": self.unsubscribed,
            "complaints": self.complaints,
            "clicks": [c.as_json() for c in self.clicks],
        }
        if self.shows_reason:
            document["reason"] = self.reason_text(lang)
        document["workers"] = [w.document(lang) for w in self.workers]
        return document


@dataclass(frozen=True)
class DeliveryRow:
    """Who got what: one recipient of a send."""

    id: int
    email: str
    status: str
    attempts: int
    #: the last reply of the receiving server, as received
    last_reply: str
    message_id: str
    sent_at: datetime | None
    #: what the sender added (gave up after N attempts, no reply…), translated when shown
    note: Msg | None = None

    def reply_text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The sender's note and the server's reply, as one line."""
        return notes.reply_text(self.note, self.last_reply, lang)

    def document(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "status": self.status,
            "attempts": self.attempts,
            "last_reply": self.reply_text(lang),
            "message_id": self.message_id,
            "sent_at": _iso(self.sent_at),
        }


class Reporting(DeliveryBase):
    def status(self, issue_id: int, *, counts_only: bool = False) -> SendStatus:
        """The counts of an issue's send, why it is paused or held, what the issue caused
        (unsubscribes, complaints, clicks) and the state of the sending tasks;
        ``counts_only``: the counts and the reason, without what the issue caused or the
        tasks (what a progress bar shows; it loads no report code)."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            tally = outbox.counts(session, send.id) if send else {s: 0 for s in D}
            retry_at = outbox.next_retry_at(session, send.id) if send else None
            unsubscribed = complaints = 0
            clicks: list[LinkCount] = []
            workers: list[TaskState] = []
            if not counts_only:
                from newsletter.report.clicks import link_counts
                from newsletter.report.feedback import feedback

                caused = feedback(session, issue_id)
                unsubscribed, complaints = caused.unsubscribed, caused.complaints
                clicks, workers = link_counts(session, issue_id), self.workers()
            return SendStatus(
                id=issue.id,
                status=issue.status.value,
                total=sum(tally.values()),
                queued=tally[D.queued] + tally[D.sending] + tally[D.failed_temporary],
                sent=tally[D.sent],
                failed=tally[D.failed_permanent],
                bounced=tally[D.bounced],
                skipped=tally[D.skipped],
                retrying=tally[D.failed_temporary],
                lists=list(send.lists if send else issue.lists or []),
                scheduled_at=issue.scheduled_at,
                started_at=issue.send_started_at,
                sent_at=issue.sent_at,
                next_retry_at=retry_at,
                unsubscribed=unsubscribed,
                complaints=complaints,
                reason=issue.reason,
                workers=workers,
                clicks=clicks,
            )

    def workers(self) -> list[TaskState]:
        """What the sending tasks of the running processes are doing; ``state`` is
        ``running``, ``stopped`` (restarting at ``retry_at``) or ``waiting`` (for the
        database)."""
        return read_health(self.ctx.settings.data_dir)

    def deliveries(self, issue_id: int, status: D | None = None) -> list[DeliveryRow]:
        """Who got what: one entry per recipient with status, attempts and last reply."""
        with self.ctx.db.session() as session:
            query = select(Delivery).where(Delivery.issue_id == issue_id).order_by(Delivery.id)
            if status is not None:
                query = query.where(Delivery.status == status)
            return [
                DeliveryRow(
                    id=d.id,
                    email=d.email,
                    status=d.status.value,
                    attempts=d.attempts,
                    last_reply=d.last_reply,
                    message_id=d.message_id,
                    sent_at=d.sent_at,
                    note=d.note,
                )
                for d in session.scalars(query)
            ]

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

    def report_csv(self, issue_id: int, lang: str = DEFAULT_LANGUAGE) -> bytes:
        """The delivery report as CSV, every cell spreadsheet-safe (``report.delivery_csv``);
        the sender's notes in ``lang``."""
        self.status(issue_id)  # NotFoundError for an unknown issue
        from newsletter.report.delivery_csv import delivery_report_csv  # the directory code

        return delivery_report_csv(d.document(lang) for d in self.deliveries(issue_id))
