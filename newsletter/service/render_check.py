"""Before the first delivery: every variant a send needs is rendered, or nothing goes out.

A template that cannot be rendered (a coordinator's TEMPLATES_DIR, say) stops the send
with its reason: kept on the issue (``issue status`` and the console show it), a
scheduled or sending issue paused, ``RenderError`` raised at the door that asked.
"""

from __future__ import annotations

import logging

from newsletter.context import Context
from newsletter.delivery import outbox, snapshots
from newsletter.editorial.issue_status import transition_issue
from newsletter.errors import RenderError
from newsletter.models import IssueStatus as S
from newsletter.render.prepare import PreparedIssue, prepare_issue
from newsletter.service.delivery_base import Audience, DeliveryBase
from newsletter.service.variants import PendingRender, RenderedVariants

log = logging.getLogger(__name__)

#: rendered variants, in this process or by a child
Variants = PreparedIssue | RenderedVariants


class RenderCheck(DeliveryBase):
    """``check_renderable``; issues it rendered are kept for ``message_factory`` (a
    sending issue cannot change, so its rendering stays valid)."""

    def __init__(self, ctx: Context, audience: Audience = None) -> None:
        super().__init__(ctx, audience)
        self._rendered: dict[int, Variants] = {}
        #: render in a child process (``service.variants``) so that this one never loads
        #: the renderer: what ``issue send`` asks for when the renderer is not loaded yet
        self.render_in_child = False

    def rendered(self, issue_id: int) -> Variants | None:
        """The issue as ``check_renderable`` rendered it in this process, once."""
        return self._rendered.pop(issue_id, None)

    def has_send(self, issue_id: int) -> bool:
        with self.ctx.db.session() as session:
            return outbox.get_send(session, issue_id) is not None

    def readers(self, issue_id: int) -> list[tuple[str, str]]:
        """The (language, membership) pairs of the recipients of a started send."""
        with self.ctx.db.session() as session:
            send = outbox.get_send(session, issue_id)
            return snapshots.readers(session, send.id) if send is not None else []

    def reader_languages(self, issue_id: int) -> dict[str, int]:
        """The recipients of a started send per language (what ``languages.gaps`` would
        count over the lists, read from the snapshot in one query)."""
        with self.ctx.db.session() as session:
            send = outbox.get_send(session, issue_id)
            return snapshots.languages(session, send.id) if send is not None else {}

    def prepare_variants(
        self, issue_id: int, readers: list[tuple[str, str]] | None = None
    ) -> Variants:
        """``check_renderable``, in a child process when ``render_in_child`` is set; the
        result is kept for ``message_factory``."""
        if not self.render_in_child:
            return self.check_renderable(issue_id, readers)
        return self.finish_render(issue_id, PendingRender(self.ctx.settings, issue_id, readers))

    def finish_render(self, issue_id: int, pending: PendingRender) -> RenderedVariants:
        """The answer of a render child, as ``check_renderable`` gives it: a failure kept
        on the issue and raised, the variants kept for ``message_factory``."""
        try:
            prepared = pending.result()
        except RenderError as error:
            self._hold(issue_id, error)
            raise
        self._renderable(issue_id)
        self._rendered[issue_id] = prepared
        return prepared

    def check_renderable(
        self, issue_id: int, readers: list[tuple[str, str]] | None = None
    ) -> PreparedIssue:
        """The issue with every variant a send may use rendered (those of ``readers``,
        (language, membership) pairs, or all of them); RenderError otherwise."""
        try:
            prepared = self.render_variants(issue_id, readers)
        except RenderError as error:
            self._hold(issue_id, error)
            raise
        self._renderable(issue_id)
        self._rendered[issue_id] = prepared
        return prepared

    def render_variants(
        self, issue_id: int, readers: list[tuple[str, str]] | None = None
    ) -> PreparedIssue:
        """``check_renderable`` without writing anything."""
        prepared = self.prepared_issue(issue_id)
        prepared.render_all(readers)
        return prepared

    def prepared_issue(self, issue_id: int) -> PreparedIssue:
        """The issue read for rendering, its variants rendered when asked (the render
        child reads it the same way, through ``render.prepare`` without the service, so
        that it never loads the sending engine)."""
        with self.ctx.db.session() as session:
            return prepare_issue(session, self.ctx.settings, issue_id)

    def _renderable(self, issue_id: int) -> None:
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            if issue.status is S.draft and issue.status_reason:
                issue.set_reason(None)  # a former render failure, fixed since

    def _hold(self, issue_id: int, error: RenderError) -> None:
        reason = error.msg
        log.error("issue %s not sent: %s", issue_id, ascii(str(reason)))
        with self.ctx.db.session() as session:
            issue = self._issue(session, issue_id)
            if issue.status in (S.scheduled, S.sending):
                transition_issue(issue, S.paused, reason=reason)
            elif issue.status in (S.draft, S.paused):
                issue.set_reason(reason)
