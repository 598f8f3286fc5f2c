"""The status machine of a news item: every change of ``NewsItem.status`` goes through
``transition_news``, which records who, when and why (``news_events``).

A partner's item is moderated in the queue (approved, rejected, sent back for changes)
and becomes ``published`` when the issue that carries it is sent (``issue_status``)::

    pending ──► approved ──► published (when the issue carrying it is sent)
       │  ╲         │
       │   ╲        └──► pending / rejected
       │    └► changes_requested ──► pending / approved / rejected
       └──► rejected ──► pending (reconsidered)

Every transition appends a ``NewsEvent`` (from, to, who, when, why).

Who may still change an item depends on its status (``may_edit``, ``check_editable``):
the coordination until it is published, its sender only while it waits in the queue or
was sent back for changes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from newsletter.errors import InvalidTransitionError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.models import NewsStatus
from newsletter.store.base import utcnow
from newsletter.store.editorial import NewsEvent, NewsItem
from newsletter.text import one_line

S = NewsStatus

ALLOWED: dict[NewsStatus, frozenset[NewsStatus]] = {
    S.pending: frozenset({S.approved, S.rejected, S.changes_requested}),
    S.changes_requested: frozenset({S.pending, S.approved, S.rejected}),
    S.approved: frozenset({S.published, S.pending, S.rejected}),
    S.rejected: frozenset({S.pending}),
    S.published: frozenset(),
}
#: transitions that need a reason (said to the partner)
NEEDS_REASON = frozenset({S.rejected, S.changes_requested})
#: the note of an item published by an issue
PUBLISHED_IN = N_("published in issue no. {number}")


class Editor(StrEnum):
    """Who changes a news item's text."""

    coordinator = "coordinator"  # console or command line
    sender = "sender"  # the partner who sent it, through the link of their item


#: the statuses in which each editor may still change an item
EDITABLE_BY: dict[Editor, frozenset[NewsStatus]] = {
    Editor.coordinator: frozenset({S.pending, S.changes_requested, S.approved}),
    Editor.sender: frozenset({S.pending, S.changes_requested}),
}


def may_edit(status: NewsStatus | str, by: Editor) -> bool:
    """Whether an item in ``status`` may still be edited by ``by``."""
    return NewsStatus(status) in EDITABLE_BY[by]


def check_editable(item: NewsItem, by: Editor) -> None:
    """InvalidTransitionError unless ``by`` may still edit ``item``."""
    if not may_edit(item.status, by):
        raise InvalidTransitionError(N_("News item {id} cannot be edited any more."), id=item.id)


def transition_news(
    item: NewsItem,
    to: NewsStatus,
    *,
    actor: str = "",
    reason: str | Msg = "",
    at: datetime | None = None,
) -> None:
    """Move ``item`` to ``to`` or raise InvalidTransitionError; records who, when, why
    (``reason``: a person's words as written, or a message of ours, stored by id)."""
    if to not in ALLOWED[item.status]:
        raise InvalidTransitionError(
            N_("News item {id} cannot go from {current} to {target}."),
            id=item.id,
            current=item.status.value,
            target=to.value,
        )
    if isinstance(reason, Msg):
        text, params = reason.msgid, reason.stored_params()
    else:
        text, params = reason.strip(), None
    if to in NEEDS_REASON and not text:
        raise ValidationError(N_("Say why (--reason): the partner will read it."))
    item.events.append(
        NewsEvent(
            from_status=item.status.value,
            to_status=to.value,
            actor=one_line(actor, 320),
            reason=text,
            reason_params=params,
            at=at or utcnow(),
        )
    )
    item.status = to
    item.status_reason = text
    item.status_reason_params = params
