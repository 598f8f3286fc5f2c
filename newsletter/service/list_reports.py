"""The delivery report of a list post's relay, as an issue's (``issue_report.send_page``):
sent, failed, bounced, skipped and still pending per recipient, with the counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from newsletter.context import Context
from newsletter.errors import NotFoundError
from newsletter.i18n import DEFAULT_LANGUAGE, N_
from newsletter.models import DeliveryStatus as D
from newsletter.service.issue_report import PER_PAGE, ReportRow, SendPage, send_page, send_rows
from newsletter.service.lists import PostView
from newsletter.store.delivery import Send
from newsletter.store.mailinglist import ListPost


@dataclass(frozen=True)
class PostReport:
    """One page of a post's delivery report, with the post."""

    post: PostView
    deliveries: SendPage

    def totals(self) -> dict[str, int]:
        counts = self.deliveries.counts
        return {
            "total": self.deliveries.total,
            "sent": counts[D.sent],
            "failed": counts[D.failed_permanent],
            "bounced": counts[D.bounced],
            "skipped": counts[D.skipped],
            "pending": self.deliveries.pending,
            "retrying": counts[D.failed_temporary],
        }

    def document(self, rows: list[ReportRow], lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The ``lists report --json`` document."""
        return {
            "post": self.post.id,
            "list": self.post.list_id,
            "status": self.post.status.value,
            "subject": self.post.subject,
            "reason": self.post.reason.render(lang) if self.post.reason else "",
            **self.totals(),
            "recipients": [r.document(lang) for r in rows],
        }


class ListReports:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def report(
        self,
        post_id: int,
        *,
        status: str = "",
        reason: str = "",
        page: int = 1,
        per_page: int = PER_PAGE,
    ) -> PostReport:
        """One page of the report of ``post_id``'s relay (an unapproved post: nobody)."""
        with self.ctx.db.session() as session:
            post = session.get(ListPost, post_id)
            if post is None:
                raise NotFoundError(N_("No post {post}."), post=post_id)
            send_id = session.scalar(select(Send.id).where(Send.post_id == post_id))
            found = send_page(session, send_id, status=status, reason=reason, page=page,
                              per_page=per_page)  # fmt: skip
            return PostReport(PostView.of(post), found)

    def rows(self, post_id: int, status: str = "") -> Iterator[ReportRow]:
        """Every recipient of the relay, in the order they were queued."""
        with self.ctx.db.session() as session:
            if session.get(ListPost, post_id) is None:
                raise NotFoundError(N_("No post {post}."), post=post_id)
            send_id = session.scalar(select(Send.id).where(Send.post_id == post_id))
            if send_id is not None:
                yield from send_rows(session, send_id, status)
