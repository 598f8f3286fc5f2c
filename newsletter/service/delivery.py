"""Service of the delivery stage: start, run, pause, resume, cancel and report sends.

The web console, the command line and the scheduler call this. Its methods open the
session of each action and query next to their rules (the outbox's own queries are in
``delivery.outbox``); it never talks SMTP itself (the transports do). The parts live in
their own modules: ``sending`` (start, run the worker), ``scheduling`` (later sends) and
``delivery_report`` (counts, deliveries, worker states); the coordinator's actions are
here.
"""

from __future__ import annotations

from newsletter.delivery import outbox
from newsletter.editorial.issue_status import transition_issue
from newsletter.errors import NotFoundError
from newsletter.i18n import N_, Msg
from newsletter.models import IssueStatus as S
from newsletter.service.delivery_report import Reporting
from newsletter.service.scheduling import HELD_LATE, Scheduling
from newsletter.service.sending import Sending, run_worker

PAUSED_BY_COORDINATOR = N_("Paused by the coordinator.")
CANCELLED_BY_COORDINATOR = N_("Cancelled by the coordinator.")
__all__ = ["HELD_LATE", "DeliveryService", "run_worker"]


class DeliveryService(Sending, Scheduling, Reporting):
    """Every delivery action; see the module docstring for where each part lives."""

    # --- coordinator actions -----------------------------------------------------------

    def pause(self, issue_id: int, reason: str = "") -> None:
        """Pause; ``reason`` (the coordinator's words; default: paused by the coordinator)
        shows in the status."""
        stored = Msg.as_written(reason) if reason.strip() else Msg(PAUSED_BY_COORDINATOR)
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            if send is not None and send.relay_paused_at is not None:
                send.relay_paused_at = None  # the coordinator's pause: no automatic resume
                if issue.status is S.paused:
                    issue.set_reason(stored)
                    return
            transition_issue(issue, S.paused, reason=stored)

    def resume(self, issue_id: int) -> None:
        """Resume a paused send (waiting retries become due now), or start a held
        scheduled one."""
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            send = outbox.get_send(session, issue_id)
            if send is not None:
                transition_issue(issue, S.sending)
                send.relay_paused_at = None
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
            transition_issue(issue, S.cancelled, reason=Msg(CANCELLED_BY_COORDINATOR))
            send = outbox.get_send(session, issue_id)
            if send is None:
                return 0
            send.relay_paused_at = None
            return outbox.cancel_open(session, send.id)
