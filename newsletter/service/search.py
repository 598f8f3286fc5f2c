"""Search and filters of the news queue and of the issues, one page at a time.

The console's lists and the command line (``news list --search``, ``issue list``) ask the
same questions here. Words match title, text, organisation and sender of a news item (the
title and introduction of an issue) in either language, ignoring case and the accents of
French and Dutch (``store.folding``); dates are days in the configured time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from newsletter.context import Context
from newsletter.errors import ValidationError
from newsletter.i18n import LANGUAGES, N_, Msg
from newsletter.models import IssueStatus, NewsStatus
from newsletter.service.results import IssueRow, NewsSummary
from newsletter.store.editorial import Issue, IssueItem, NewsItem, note_text
from newsletter.store.folding import matches

T = TypeVar("T")
#: rows per page of the console's lists
PER_PAGE = 50
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class Found(Generic[T]):
    """One page of what matched, and how many matched in all."""

    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the first row shown (1-based; 0 when nothing matched)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


@dataclass(frozen=True)
class NewsFilter:
    """What to look for in the news queue; empty fields do not filter."""

    text: str = ""
    #: one or several statuses (empty: every status)
    statuses: tuple[str, ...] = ()
    organisation_id: int | None = None
    category: str = ""
    #: received on or after this day / on or before this day (time zone of the settings)
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = PER_PAGE

    def checked(self) -> NewsFilter:
        for status in self.statuses:
            if status not in NewsStatus.__members__:
                raise ValidationError(N_("Unknown status “{status}”."), status=status)
        return replace(self, **_checked_window(self.since, self.until, self.page, self.per_page))


@dataclass(frozen=True)
class IssueFilter:
    """What to look for in the issues; the date is the send (or planned, or creation) day."""

    text: str = ""
    statuses: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = PER_PAGE

    def checked(self) -> IssueFilter:
        for status in self.statuses:
            if status not in IssueStatus.__members__:
                raise ValidationError(N_("Unknown status “{status}”."), status=status)
        return replace(self, **_checked_window(self.since, self.until, self.page, self.per_page))


def _checked_window(
    since: date | None, until: date | None, page: int, per_page: int
) -> dict[str, Any]:
    if since and until and since > until:
        raise ValidationError(N_("The first day comes after the last day: swap them."))
    return {"page": max(1, page), "per_page": max(1, min(MAX_PER_PAGE, per_page))}


@dataclass(frozen=True)
class NewsRow:
    """A news item as a line of the queue."""

    id: int
    title: str
    status: str
    organisation: str
    organisation_id: int | None
    sender: str
    source: str
    category: str
    language: str
    image: bool
    created_at: datetime
    notes: list[Msg] = field(default_factory=list)

    def note_in(self, lang: str) -> str:
        return note_text(self.notes, lang)

    @classmethod
    def of(cls, item: NewsItem) -> NewsRow:
        return cls(
            id=item.id, title=item.title, status=item.status.value,
            organisation=item.organisation_name, organisation_id=item.organisation_id,
            sender=item.sender, source=item.source.value, category=item.category,
            language=item.language.value, image=item.image_id is not None,
            created_at=item.created_at, notes=item.note_messages,
        )  # fmt: skip


def _versions(model: Any, name: str) -> list[Any]:
    """The column of the original and the same field of each other language's version."""
    return [
        getattr(model, name),
        *(model.translations[lang][name].as_string() for lang in LANGUAGES),
    ]


class SearchService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _day_start(self, day: date) -> datetime:
        zone = ZoneInfo(self.ctx.settings.timezone)
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)

    def _between(self, column: Any, since: date | None, until: date | None) -> list[Any]:
        where: list[Any] = []
        if since:
            where.append(column >= self._day_start(since))
        if until:
            where.append(column < self._day_start(until + timedelta(days=1)))
        return where

    def _news_query(self, wanted: NewsFilter) -> Select[Any]:
        where: list[ColumnElement[bool]] = []
        text = matches(
            wanted.text,
            *_versions(NewsItem, "title"),
            *_versions(NewsItem, "body_source"),
            NewsItem.organisation_name,
            NewsItem.sender,
        )
        if text is not None:
            where.append(text)
        if wanted.statuses:
            where.append(NewsItem.status.in_([NewsStatus(s) for s in wanted.statuses]))
        if wanted.organisation_id is not None:
            where.append(NewsItem.organisation_id == wanted.organisation_id)
        if wanted.category:
            where.append(NewsItem.category == wanted.category)
        where.extend(self._between(NewsItem.created_at, wanted.since, wanted.until))
        return select(NewsItem).where(*where)

    def news(self, wanted: NewsFilter) -> Found[NewsRow]:
        """The news items that match, newest first, one page."""
        wanted = wanted.checked()
        order = (NewsItem.created_at.desc(), NewsItem.id.desc())
        with self.ctx.db.session() as session:
            total, items = _page(session, self._news_query(wanted), order, wanted)
            rows = [NewsRow.of(item) for item in items]
        return Found(rows, total, wanted.page, wanted.per_page)

    def every_news(self, wanted: NewsFilter) -> list[NewsSummary]:
        """Every news item that matches, oldest first (``news list``)."""
        query = self._news_query(wanted.checked()).order_by(NewsItem.id)
        with self.ctx.db.session() as session:
            return [NewsSummary.of(item) for item in session.scalars(query)]

    def _issue_query(self, wanted: IssueFilter) -> Select[Any]:
        where: list[ColumnElement[bool]] = []
        text = matches(wanted.text, *_versions(Issue, "title"), *_versions(Issue, "introduction"))
        if text is not None:
            where.append(text)
        if wanted.statuses:
            where.append(Issue.status.in_([IssueStatus(s) for s in wanted.statuses]))
        day = func.coalesce(Issue.sent_at, Issue.scheduled_at, Issue.created_at)
        where.extend(self._between(day, wanted.since, wanted.until))
        return select(Issue).where(*where)

    def issues(self, wanted: IssueFilter) -> Found[IssueRow]:
        """The issues that match, newest first, one page."""
        wanted = wanted.checked()
        order = (Issue.created_at.desc(), Issue.id.desc())
        with self.ctx.db.session() as session:
            total, issues = _page(session, self._issue_query(wanted), order, wanted)
            rows = issue_rows(session, issues)
        return Found(rows, total, wanted.page, wanted.per_page)

    def every_issue(self, wanted: IssueFilter) -> list[IssueRow]:
        """Every issue that matches, oldest first (``issue list``)."""
        query = self._issue_query(wanted.checked()).order_by(Issue.id)
        with self.ctx.db.session() as session:
            return issue_rows(session, list(session.scalars(query)))


def issue_rows(session: Session, issues: list[Issue]) -> list[IssueRow]:
    counts: dict[int, int] = {}
    ids = [issue.id for issue in issues]
    for start in range(0, len(ids), 500):  # a bounded IN list
        rows = session.execute(
            select(IssueItem.issue_id, func.count(IssueItem.id))
            .where(IssueItem.issue_id.in_(ids[start : start + 500]))
            .group_by(IssueItem.issue_id)
        ).all()
        counts.update({int(issue_id): int(n) for issue_id, n in rows})
    return [IssueRow.of(issue, counts.get(issue.id, 0)) for issue in issues]


def _page(
    session: Session, query: Select[Any], order: tuple[Any, ...], wanted: NewsFilter | IssueFilter
) -> tuple[int, list[Any]]:
    """One page of the rows, and how many match in all (counted in the same query)."""
    offset = (wanted.page - 1) * wanted.per_page
    counted = query.add_columns(func.count().over().label("total"))
    found = session.execute(counted.order_by(*order).limit(wanted.per_page).offset(offset)).all()
    if found:
        return int(found[0].total), [row[0] for row in found]
    if wanted.page == 1:
        return 0, []
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    return total, []
