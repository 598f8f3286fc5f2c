"""What the parts of the delivery service share: the context and issue look-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.service.audience import AudienceService
from newsletter.store.editorial import Issue


class DeliveryBase:
    def __init__(self, ctx: Context, audience: AudienceService | None = None) -> None:
        self.ctx = ctx
        self.audience = audience

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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
