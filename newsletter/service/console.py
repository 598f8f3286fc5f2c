"""Read models of the coordinator console: lists and details the other services do not
expose in the shape a page needs (dashboard figures, issues, assemblies, files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from newsletter import versions
from newsletter.context import Context
from newsletter.editorial import translate
from newsletter.editorial.invitations import invitation_ids
from newsletter.errors import NotFoundError
from newsletter.i18n import LANGUAGES, N_, Msg
from newsletter.models import IssueStatus, NewsStatus
from newsletter.service.results import AssemblySummary, FileRef, IssueRow, NewsHistoryEntry
from newsletter.service.search import issue_rows
from newsletter.store.base import utcnow
from newsletter.store.editorial import (
    Assembly,
    Issue,
    NewsAttachment,
    NewsItem,
    StoredFile,
    note_text,
)


@dataclass(frozen=True)
class NewsDetail:
    id: int
    title: str
    status: str
    #: why it has its status, translated when shown (``reason_in(lang)``)
    status_reason: Msg | None
    organisation: str
    organisation_id: int | None
    sender: str
    source: str
    category: str
    language: str
    body_html: str
    body_source: str
    link: str
    event_start: datetime | None
    event_end: datetime | None
    event_place: str
    image: FileRef | None
    image_alt: str
    attachments: list[FileRef]
    #: notes for the coordinator, translated when shown (``note_in(lang)``)
    notes: list[Msg]
    created_at: datetime
    history: list[NewsHistoryEntry] = field(default_factory=list)
    #: the other language's version as stored (title, body_source, …; "" when missing)
    other_language: str = ""
    other: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    #: what differs in structure between the two versions
    flags: list[Msg] = field(default_factory=list)
    #: every field with versions, per language as stored ("" when missing), French first
    texts: dict[str, dict[str, str]] = field(default_factory=dict)

    def note_in(self, lang: str) -> str:
        """The notes in the reader's language, one a line."""
        return note_text(self.notes, lang)

    def reason_in(self, lang: str) -> str:
        return self.status_reason.render(lang) if self.status_reason else ""


@dataclass(frozen=True)
class IssueEntry:
    news_id: int
    title: str
    organisation: str
    section: str
    position: int
    #: the languages the item has a version in
    languages: list[str] = field(default_factory=list)
    #: what differs in structure between its versions (a link missing…)
    flags: list[Msg] = field(default_factory=list)


@dataclass(frozen=True)
class IssueDetail:
    row: IssueRow
    introduction: str
    entries: list[IssueEntry]
    assemblies: list[tuple[int, str]]
    annexes: list[tuple[int, str, FileRef]]
    #: why it is paused or held (a render failure), translated when shown
    reason: Msg | None
    #: the original language of title and introduction
    language: str = "fr"
    #: {"fr": {"title": …, "introduction": …}, "nl": {…}}: each version as stored
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: each annex's label per language as stored ("" when missing), by annex id
    annex_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    bilingual: bool = False


class ConsoleQueries:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def news_counts(self) -> dict[str, int]:
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(NewsItem.status, func.count(NewsItem.id)).group_by(NewsItem.status)
            ).all()
        counts = {status.value: 0 for status in NewsStatus}
        counts.update({status.value: int(n) for status, n in rows})
        return counts

    def news_detail(self, news_id: int) -> NewsDetail:
        with self.ctx.db.session() as session:
            item = session.get(NewsItem, news_id)
            if item is None:
                raise NotFoundError(N_("No news item with id {id}."), id=news_id)
            image = session.get(StoredFile, item.image_id) if item.image_id else None
            attachments = [FileRef.of(a.file) for a in item.attachments]
            return NewsDetail(
                id=item.id,
                title=item.title,
                status=item.status.value,
                status_reason=item.reason,
                organisation=item.organisation_name,
                organisation_id=item.organisation_id,
                sender=item.sender,
                source=item.source.value,
                category=item.category,
                language=item.language.value,
                body_html=item.body_html,
                body_source=item.body_source,
                link=item.link,
                event_start=item.event_start,
                event_end=item.event_end,
                event_place=item.event_place,
                image=FileRef.of(image),
                image_alt=item.image_alt,
                attachments=[a for a in attachments if a is not None],
                notes=item.note_messages,
                created_at=item.created_at,
                history=[NewsHistoryEntry.of(e) for e in item.events],
                other_language=versions.other_language(item.language.value),
                other={name: str(versions.field_in(item, name,
                                                   versions.other_language(item.language.value)))
                       for name in versions.NEWS_FIELDS},
                languages=versions.languages(item),
                flags=versions.structure_flags(item),
                texts={code: {name: str(versions.field_in(item, name, code))
                              for name in versions.NEWS_FIELDS} for code in LANGUAGES},
            )  # fmt: skip

    def news_list(self, status: str | None) -> list[NewsDetail]:
        with self.ctx.db.session() as session:
            query = select(NewsItem.id).order_by(NewsItem.created_at.desc(), NewsItem.id.desc())
            if status:
                query = query.where(NewsItem.status == NewsStatus(status))
            ids = list(session.scalars(query))
        return [self.news_detail(news_id) for news_id in ids]

    def issues(self) -> list[IssueRow]:
        with self.ctx.db.session() as session:
            query = select(Issue).order_by(Issue.created_at.desc(), Issue.id.desc())
            return issue_rows(session, list(session.scalars(query)))

    def issue_detail(self, issue_id: int) -> IssueDetail:
        with self.ctx.db.session() as session:
            issue = session.get(Issue, issue_id)
            if issue is None:
                raise NotFoundError(N_("No issue {issue}."), issue=issue_id)
            entries = [
                IssueEntry(
                    news_id=link.news_id,
                    title=link.news.title,
                    organisation=link.news.organisation_name,
                    section=link.section,
                    position=link.position,
                    languages=versions.languages(link.news),
                    flags=versions.structure_flags(link.news),
                )
                for link in issue.items
            ]
            assemblies = [(link.assembly_id, link.assembly.title) for link in issue.assemblies]
            annexes, annex_labels = [], {}
            for annex in issue.annexes:
                ref = FileRef.of(annex.file)
                assert ref is not None
                annexes.append((annex.id, annex.label or annex.file.filename, ref))
                annex_labels[annex.id] = translate.annex_labels(issue, annex)
            return IssueDetail(
                row=IssueRow.of(issue, len(entries)),
                introduction=issue.introduction,
                entries=entries,
                assemblies=assemblies,
                annexes=annexes,
                annex_labels=annex_labels,
                reason=issue.reason,
                language=versions.original_language(issue),
                texts={
                    lang: {
                        name: str(versions.field_in(issue, name, lang))
                        for name in versions.ISSUE_FIELDS
                    }
                    for lang in LANGUAGES
                },
                bilingual=bool(issue.bilingual),
            )

    def next_scheduled(self) -> IssueRow | None:
        with self.ctx.db.session() as session:
            issue = session.scalars(
                select(Issue)
                .where(Issue.status == IssueStatus.scheduled)
                .order_by(Issue.scheduled_at)
                .limit(1)
            ).first()
            return IssueRow.of(issue, len(issue.items)) if issue else None

    def last_sent(self) -> IssueRow | None:
        with self.ctx.db.session() as session:
            issue = session.scalars(
                select(Issue)
                .where(Issue.status.in_([IssueStatus.sent, IssueStatus.sending]))
                .order_by(Issue.send_started_at.desc())
                .limit(1)
            ).first()
            return IssueRow.of(issue, len(issue.items)) if issue else None

    def assemblies(self, upcoming_only: bool = False) -> list[AssemblySummary]:
        with self.ctx.db.session() as session:
            query = select(Assembly).options(selectinload(Assembly.minutes))
            if upcoming_only:
                query = query.where(Assembly.starts_at >= utcnow())
            rows = list(session.scalars(query.order_by(Assembly.starts_at.desc())))
            invitations = invitation_ids(session)
            settings = self.ctx.settings
            return [AssemblySummary.of(session, settings, a, invitations.get(a.id)) for a in rows]

    def assembly(self, assembly_id: int) -> AssemblySummary:
        for row in self.assemblies():
            if row.id == assembly_id:
                return row
        raise NotFoundError(N_("No assembly {id}."), id=assembly_id)

    def file(self, file_id: int) -> tuple[FileRef, bytes]:
        with self.ctx.db.session() as session:
            row = session.get(StoredFile, file_id)
            if row is None:
                raise NotFoundError(N_("No file {id}."), id=file_id)
            ref = FileRef.of(row)
            assert ref is not None
            return ref, bytes(row.data)

    def news_image_public(self, file_id: int) -> bool:
        """True when the file is the image of a news item (shown in the public archive)."""
        with self.ctx.db.session() as session:
            found = session.scalar(
                select(func.count(NewsItem.id)).where(NewsItem.image_id == file_id)
            )
            attached = session.scalar(
                select(func.count(NewsAttachment.id)).where(NewsAttachment.file_id == file_id)
            )
            return bool(found or attached)
