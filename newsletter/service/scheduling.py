"""Scheduling: plan a send for later, and start (or hold) it when its time comes.

The scheduler (``newsletter/schedule.py``) holds no query: it asks ``scheduled_sends``
what to plan and calls ``run_scheduled`` when a time comes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from newsletter.delivery import outbox
from newsletter.editorial.issue_status import transition_issue
from newsletter.errors import RenderError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.models import IssueStatus as S
from newsletter.service.delivery_base import DeliveryBase
from newsletter.store.base import utcnow
from newsletter.store.editorial import Issue

HELD_LATE = N_(
    "Held: the scheduled time passed while the application was stopped. "
    "Check the issue, then resume or reschedule it."
)


class Scheduling(DeliveryBase):
    """``schedule`` and ``run_scheduled``; ``start_send`` comes from ``Sending``."""

    def start_send(self, issue_id: int, lists: Sequence[str] | None = None) -> int:
        raise NotImplementedError  # provided by Sending in DeliveryService

    def schedule(self, issue_id: int, at: datetime, lists: Sequence[str] | None = None) -> None:
        """Plan the send of ``issue_id`` at ``at`` (aware); again to reschedule. The
        scheduler of ``serve`` picks it up (``schedule.sync_jobs``)."""
        if at.tzinfo is None:
            raise ValidationError(N_("A scheduled time needs a time zone."))
        if at <= utcnow():  # every door: the console, the CLI
            raise ValidationError(N_("Choose a time in the future."))
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

    def scheduled_sends(self) -> list[tuple[int, datetime]]:
        """(issue id, time) of every scheduled issue: what the scheduler plans."""
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(Issue.id, Issue.scheduled_at).where(
                    Issue.status == S.scheduled, Issue.scheduled_at.is_not(None)
                )
            ).all()
        return [(issue_id, at) for issue_id, at in rows if at is not None]

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
                transition_issue(issue, S.paused, reason=Msg(HELD_LATE))
                issue.scheduled_at = due
                return False
        try:
            self.start_send(issue_id)
        except RenderError:
            return False  # paused, with the reason on the issue
        return True
