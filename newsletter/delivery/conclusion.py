"""The end of a run: the send's and the issue's status once the run is over."""

from __future__ import annotations

from newsletter.delivery import outbox
from newsletter.delivery.progress import RunEnd, RunResult
from newsletter.delivery.run_state import RunState
from newsletter.editorial.issue_status import transition_issue
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus
from newsletter.store.base import utcnow
from newsletter.store.delivery import Send
from newsletter.store.editorial import Issue


class Conclusion(RunState):
    """Says how the run ended and moves the issue (or the owner's send) on."""

    def _conclude(self) -> RunResult:
        db = self.w.db
        with db.session() as session:
            issue = session.get(Issue, self.issue_id) if self.issue_id else None
            send = session.get(Send, self.send_id)
            owner = self.w.owner if send is not None and not self.issue_id else None
            if self.halt.is_set() and self.halt_end is RunEnd.paused and self.halt_reason:
                relay_down = self.window.relay_down
                if issue is not None and issue.status is IssueStatus.sending:
                    transition_issue(issue, IssueStatus.paused, reason=self.halt_reason)
                    if send is not None:
                        send.relay_paused_at = utcnow() if relay_down else None
                elif owner and send and owner.status(session, send) is IssueStatus.sending:
                    owner.paused(session, send, self.halt_reason)
                    send.relay_paused_at = utcnow() if relay_down else None
                return RunResult(RunEnd.paused, self.progress, reason=self.halt_reason,
                                 relay_down=relay_down)  # fmt: skip
            status = issue.status if issue is not None else None
            if owner is not None and send is not None:
                status = owner.status(session, send)
            if status is IssueStatus.cancelled:
                outbox.cancel_open(session, self.send_id)
            if self.halt.is_set():
                reason = issue.reason if issue is not None else None
                return RunResult(self.halt_end, self.progress, reason=reason)
            tally = outbox.counts(session, self.send_id)
            if tally[D.queued] or tally[D.sending]:
                return RunResult(RunEnd.busy, self.progress)
            if tally[D.failed_temporary]:
                return RunResult(
                    RunEnd.waiting, self.progress, outbox.next_retry_at(session, self.send_id)
                )
            if send is not None and send.finished_at is None:
                send.finished_at = utcnow()
            if issue is not None and issue.status is IssueStatus.sending:
                transition_issue(issue, IssueStatus.sent)
            elif owner is not None and send is not None:
                owner.finished(session, send)
            return RunResult(RunEnd.finished, self.progress)
