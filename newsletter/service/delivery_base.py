"""What the parts of the delivery service share: the context and issue look-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.errors import NotFoundError
from newsletter.i18n import N_
from newsletter.store.editorial import Issue

if TYPE_CHECKING:  # the directory code loads only when a bounce is recorded
    from newsletter.service.audience import AudienceService


#: the audience service, a function that makes it, or None
Audience: TypeAlias = "AudienceService | Callable[[], AudienceService] | None"


class DeliveryBase:
    """``audience``: the audience service, or a function that makes it when first needed
    (the sender process loads the directory code only if a message bounces)."""

    def __init__(
        self,
        ctx: Context,
        audience: Audience = None,
    ) -> None:
        self.ctx = ctx
        self._audience = audience

    @property
    def audience(self) -> AudienceService | None:
        found = self._audience
        if callable(found):
            found = self._audience = found()
        return found

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
