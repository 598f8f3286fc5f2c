"""The status machine of an issue: every change of ``Issue.status`` goes through here.

When an issue becomes ``sent``, its approved news items become ``published``.

The coordinator's way back: a scheduled issue can be *unscheduled* (back to draft, the
planned time and lists kept, to schedule again after editing); a paused send to which
nothing was delivered yet can go back to draft too (its unsent snapshot is dropped by
the service). Any issue, a sent one too, can be *duplicated* into a new draft.
"""

from __future__ import annotations

from datetime import datetime

from newsletter.editorial.news_status import PUBLISHED_IN, transition_news
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
    S.paused: frozenset({S.draft, S.sending, S.scheduled, S.cancelled}),
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
    if issue.status is S.scheduled and to not in (S.scheduled, S.sending, S.draft):
        issue.scheduled_at = None  # unscheduling keeps the planned time, to plan again
    issue.status = to
    issue.set_reason(reason)


def _publish_items(issue: Issue, now: datetime) -> None:
    """The news items of a sent issue become ``published`` (through their own machine)."""
    for link in issue.items:
        if link.news.status is NewsStatus.approved:
            reason = Msg(PUBLISHED_IN, {"number": issue.number})
            transition_news(link.news, NewsStatus.published, reason=reason, at=now)


def require_back_to_draft(issue: Issue, *, delivered: int) -> None:
    """May ``issue`` go back to draft? A scheduled one always; a paused send only when
    ``delivered`` (messages handed to the relay or failed) is 0. InvalidTransitionError
    otherwise, saying why."""
    if issue.status is S.scheduled:
        return
    if issue.status is S.paused and delivered == 0:
        return
    if issue.status is S.paused:
        raise InvalidTransitionError(
            N_(
                "Issue {issue} has already gone out to {count} recipients: it cannot go "
                "back to draft. Duplicate it to send a corrected copy."
            ),
            issue=issue.id,
            count=delivered,
        )
    raise InvalidTransitionError(
        N_("Issue {issue} is {status}: only a scheduled or paused issue goes back to draft."),
        issue=issue.id,
        status=issue.status.value,
    )


def back_to_draft(issue: Issue, *, delivered: int, at: datetime | None = None) -> None:
    """Unschedule, or take back a paused send that delivered nothing: a draft again."""
    require_back_to_draft(issue, delivered=delivered)
    transition_issue(issue, S.draft, at=at)
    issue.send_started_at = None


def is_editable(issue: Issue) -> bool:
    """Items, annexes and texts may change only while the issue is a draft."""
    return issue.status is S.draft
