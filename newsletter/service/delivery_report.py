"""Reporting: the counts of a send, who got what, bounces, the state of the workers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from newsletter.delivery import outbox
from newsletter.i18n import DEFAULT_LANGUAGE
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus as S
from newsletter.report.clicks import link_counts
from newsletter.report.delivery_csv import delivery_report_csv
from newsletter.report.feedback import feedback
from newsletter.service.delivery_base import DeliveryBase, _iso
from newsletter.service.supervision import read_health
from newsletter.store.delivery import Delivery


class Reporting(DeliveryBase):
    def status(self, issue_id: int, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """``{"id","status","total","queued","sent","failed","bounced", …}`` of an issue;
        ``reason`` says why a send is paused or held (in ``lang``); ``unsubscribed`` and
        ``complaints`` count what the issue caused (``issue_report.feedback``); ``clicks``
        how many times each link was followed (``[{"url","count"}]``, CLICK_COUNTING)."""
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
            caused = feedback(session, issue_id)
            document["unsubscribed"] = caused.unsubscribed
            document["complaints"] = caused.complaints
            document["clicks"] = [c.as_json() for c in link_counts(session, issue_id)]
            if issue.status in (S.paused, S.cancelled) or issue.status_reason:
                document["reason"] = issue.reason.render(lang) if issue.reason else ""
        document["workers"] = self.workers(lang)
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

    def report_csv(self, issue_id: int) -> bytes:
        """The delivery report as CSV, every cell spreadsheet-safe (``report.delivery_csv``)."""
        self.status(issue_id)  # NotFoundError for an unknown issue
        return delivery_report_csv(self.deliveries(issue_id))
