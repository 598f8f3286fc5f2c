"""The sender's side of one news item: its state, and corrections in place.

A submission form carries a one-time key (``new_key``): the same form sent twice (a
reload, a double click) finds the item it made instead of making another. The sender's
link to an item (``links.news_item_url``, in the confirmation page and the "changes
requested" e-mail) shows its state — waiting, approved, in issue N, changes requested,
not accepted — and, while the coordination asks for changes, the form to correct it:
the same item comes back into the queue, with its history.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from newsletter.context import Context
from newsletter.editorial.news_status import Editor, check_editable, may_edit, transition_news
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg
from newsletter.intake import news
from newsletter.models import IssueStatus, NewsStatus
from newsletter.service.results import NewsHistoryEntry, NewsSummary
from newsletter.store.editorial import Issue, IssueItem, NewsItem

if TYPE_CHECKING:
    from newsletter.service.submissions import NewsForm

KEY_BYTES = 24


@dataclass(frozen=True)
class PartnerItem:
    """A news item as its sender sees it."""

    id: int
    title: str
    status: str
    #: the coordination's words, or the issue that published it; ``reason_in(lang)``
    status_reason: Msg | None
    sender: str
    body: str
    category: str
    language: str
    link: str
    event_start: datetime | None
    event_end: datetime | None
    event_place: str
    image_alt: str
    #: the number of the issue that carries it (scheduled or sent), if any
    issue_number: int | None
    organisation_id: int | None
    history: list[NewsHistoryEntry]

    def reason_in(self, lang: str) -> str:
        return self.status_reason.render(lang) if self.status_reason else ""

    @property
    def correctable(self) -> bool:
        return may_edit(self.status, Editor.sender)


class PartnerItemsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @staticmethod
    def new_key() -> str:
        """A one-time key for a submission form."""
        return secrets.token_urlsafe(KEY_BYTES)

    @staticmethod
    def check_key(key: str) -> str:
        key = key.strip()
        if key and (len(key) > 64 or not key.replace("-", "").replace("_", "").isalnum()):
            raise ValidationError(N_("This form is not valid any more: open it again."))
        return key

    def submitted(self, key: str) -> NewsSummary | None:
        """The item a form with this key already made, if any."""
        if not key:
            return None
        with self.ctx.db.session() as session:
            item = session.scalar(select(NewsItem).where(NewsItem.submission_key == key))
            return NewsSummary.of(item) if item is not None else None

    def item(self, news_id: int) -> PartnerItem:
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            number = session.scalar(
                select(Issue.number)
                .join(IssueItem, IssueItem.issue_id == Issue.id)
                .where(
                    IssueItem.news_id == news_id,
                    Issue.status.not_in([IssueStatus.draft, IssueStatus.cancelled]),
                )
                .order_by(Issue.number.desc())
                .limit(1)
            )
            return PartnerItem(
                id=item.id, title=item.title, status=item.status.value,
                status_reason=item.reason, sender=item.sender, body=item.body_source,
                category=item.category, language=item.language.value, link=item.link,
                event_start=item.event_start, event_end=item.event_end,
                event_place=item.event_place, image_alt=item.image_alt, issue_number=number,
                organisation_id=item.organisation_id,
                history=[NewsHistoryEntry.of(event) for event in item.events],
            )  # fmt: skip

    def correct(self, news_id: int, form: NewsForm) -> NewsSummary:
        """The sender's corrected version: the same item, back in the queue (pending)."""
        if not form.body.strip():
            raise ValidationError(N_("The text of the news item is empty."))
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            check_editable(item, Editor.sender)
            news.edit_news(
                self.ctx.settings, item, title=form.title, body=form.body,
                category=form.category, language=form.language, link=form.link,
                event_start=form.event_start, event_end=form.event_end,
                event_place=form.event_place, image_alt=form.image_alt,
            )  # fmt: skip
            if item.status is NewsStatus.changes_requested:
                transition_news(item, NewsStatus.pending, actor=item.sender)
            session.flush()
            return NewsSummary.of(item)
