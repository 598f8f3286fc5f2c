"""The status machine of an issue: every change of ``Issue.status`` goes through here.

When an issue becomes ``sent``, its approved news items become ``published``.
"""

from __future__ import annotations

from datetime import datetime

from newsletter.editorial.news_status import transition_news
from newsletter.errors import InvalidTransitionError
from newsletter.i18n import N_, Msg
from newsletter.models import IssueStatus as S
from newsletter.models import NewsStatus
from newsletter.store.base import utcnow
from newsletter.store.editorial import Issue

ALLOWED: dict[S, frozenset[S]] = {
    S.draft: frozenset({S.scheduled, S.sending, S.cancelled}),
    S.scheduled: frozenset({S.draft, S.scheduled, S.sending, S.paused, S.cancelled}),
    S.sending: frozenset({S.paused, S.sent, S.cancelled}),
    S.paused: frozenset({S.sending, S.scheduled, S.cancelled}),
    # a sent issue goes back to sending only to retry its failed recipients
    S.sent: frozenset({S.sending}),
    S.cancelled: frozenset({S.draft}),
}


def transition_issue(
    issue: Issue, to: S, *, reason: Msg | None = None, at: datetime | None = None
) -> None:
    """Move ``issue`` to ``to`` or raise InvalidTransitionError; stamps the times.
    ``reason`` (why it is paused or cancelled) is kept language-neutral on the issue."""
    if to not in ALLOWED[issue.status]:
        raise InvalidTransitionError(
            N_("Issue {issue} cannot go from {current} to {target}."),
            issue=issue.id,
            current=issue.status.value,
            target=to.value,
        )
    now = at or utcnow()
    if to is S.sending and issue.send_started_at is None:
        issue.send_started_at = now
    if to is S.sent:
        issue.sent_at = now
        _publish_items(issue, now)
    if to is not S.scheduled and issue.status is S.scheduled and to is not S.sending:
        issue.scheduled_at = None
    issue.status = to
    issue.set_reason(reason)


def _publish_items(issue: Issue, now: datetime) -> None:
    """The news items of a sent issue become ``published`` (through their own machine)."""
    for link in issue.items:
        if link.news.status is NewsStatus.approved:
            transition_news(link.news, NewsStatus.published, reason=f"issue {issue.number}", at=now)


def is_editable(issue: Issue) -> bool:
    """Items, annexes and texts may change only while the issue is a draft."""
    return issue.status is S.draft
