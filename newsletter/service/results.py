"""Typed results of the editorial service: what the routes and the CLI render.

Each result has ``as_json()``, the exact document the CLI prints with ``--json``
(DESIGN.md's command-line contract): keys in the order of the fields, times as ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.assemblies import minutes_to_attach
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, Msg
from newsletter.service.json_result import JsonResult
from newsletter.store.editorial import Assembly, Issue, NewsEvent, NewsItem, StoredFile


@dataclass(frozen=True)
class NewsSummary(JsonResult):
    """A news item (``news list --json``)."""

    id: int
    title: str
    status: str
    organisation: str
    sender: str
    body_html: str
    attachments: list[str]
    category: str
    language: str
    source: str
    link: str
    event_start: datetime | None
    event_place: str
    status_reason: str
    note: str
    created_at: datetime | None
    #: the languages the item has a version in (``["fr", "nl"]``)
    languages: list[str] = field(default_factory=list)
    #: what differs in structure between the two versions (French text)
    flags: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, item: NewsItem) -> NewsSummary:
        return cls(
            id=item.id,
            title=item.title,
            status=item.status.value,
            organisation=item.organisation_name,
            sender=item.sender,
            body_html=item.body_html,
            attachments=[attachment.file.filename for attachment in item.attachments],
            category=item.category,
            language=item.language.value,
            source=item.source.value,
            link=item.link,
            event_start=item.event_start,
            event_place=item.event_place,
            status_reason=item.reason.render(DEFAULT_LANGUAGE) if item.reason else "",
            note=item.note,
            created_at=item.created_at,
            languages=versions.languages(item),
            flags=[flag.render("fr") for flag in versions.structure_flags(item)],
        )


@dataclass(frozen=True)
class NewsHistoryEntry(JsonResult):
    """One status change of a news item."""

    from_: str
    to: str
    actor: str
    #: why: a person's words or a message of ours ("published in issue no. 3")
    reason: Msg | None
    at: datetime

    @classmethod
    def of(cls, event: NewsEvent) -> NewsHistoryEntry:
        return cls(event.from_status, event.to_status, event.actor, event.message, event.at)

    def reason_in(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.reason.render(lang) if self.reason else ""

    def as_json(self) -> dict[str, Any]:
        return {"from": self.from_, "to": self.to, "actor": self.actor,
                "reason": self.reason_in(), "at": self.at.isoformat()}  # fmt: skip


@dataclass(frozen=True)
class IssueFields(JsonResult):
    """What every result about an issue starts with (``IssueRow``, ``IssueSummary``)."""

    id: int
    number: int
    title: str
    status: str
    lists: list[str]

    @staticmethod
    def read(issue: Issue) -> dict[str, Any]:
        """These fields of ``issue``, by name."""
        return {"id": issue.id, "number": issue.number, "title": issue.title,
                "status": issue.status.value, "lists": list(issue.lists or [])}  # fmt: skip


@dataclass(frozen=True)
class IssueRow(IssueFields):
    """An issue as a line of a list: the console's issues and dashboard, ``issue list --json``."""

    #: how many news items it has
    items: int
    public: bool
    scheduled_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    #: the AG it is the invitation to (console only)
    assembly_id: int | None = None

    @classmethod
    def of(cls, issue: Issue, items: int) -> IssueRow:
        return cls(
            **cls.read(issue), items=items, public=issue.public,
            scheduled_at=issue.scheduled_at, sent_at=issue.sent_at, created_at=issue.created_at,
            assembly_id=issue.assembly_id,
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        """The document of ``issue list --json`` (as before: no console field)."""
        document = super().as_json()
        del document["assembly_id"]
        return document


@dataclass(frozen=True)
class IssueSummary(IssueFields):
    """An issue (``issue draft --json``)."""

    items: list[int]
    assemblies: list[int]
    annexes: list[str]
    annex_ids: list[int]
    #: the original language of title and introduction, and the languages with a title
    language: str = "fr"
    languages: list[str] = field(default_factory=list)
    bilingual: bool = False
    #: per AG of the issue, the AG whose PV goes with it (None: no PV)
    minutes: dict[str, int | None] = field(default_factory=dict)
    #: the coordinator's blocks, in order
    blocks: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, issue: Issue) -> IssueSummary:
        return cls(
            **cls.read(issue),
            items=[link.news_id for link in sorted(issue.items, key=lambda r: r.position)],
            assemblies=[link.assembly_id for link in issue.assemblies],
            annexes=[annex.file.filename for annex in issue.annexes],
            annex_ids=[annex.id for annex in issue.annexes],
            language=versions.original_language(issue),
            languages=versions.languages(issue),
            bilingual=bool(issue.bilingual),
            minutes={str(link.assembly_id): link.minutes_from_id for link in issue.assemblies},
            blocks=[block.id for block in issue.blocks],
        )


@dataclass(frozen=True)
class FileRef:
    """A stored file as the pages link to it."""

    id: int
    filename: str
    content_type: str
    size: int

    @classmethod
    def of(cls, row: StoredFile | None) -> FileRef | None:
        if row is None:
            return None
        return cls(row.id, row.filename, row.content_type, row.size)


@dataclass(frozen=True)
class AssemblySummary(JsonResult):
    """An AG: the console's pages and ``assembly create --json``; times in the local zone."""

    id: int
    uid: str
    sequence: int
    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    video_url: str
    agenda: list[str]
    speakers: list[dict[str, str]]
    minutes: FileRef | None
    #: the previous AG's PV sent with this one's invitation (its first agenda item
    #: approves it)
    previous_minutes: FileRef | None
    cancelled: bool = False
    invitation_issue_id: int | None = None
    #: the original language, and the title, theme, place and agenda per language as
    #: stored ("" or [] when missing), French first: the console's side-by-side form
    language: str = "fr"
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        session: Session,
        settings: Settings,
        assembly: Assembly,
        invitation_issue_id: int | None = None,
    ) -> AssemblySummary:
        zone = ZoneInfo(settings.timezone)
        return cls(
            id=assembly.id,
            uid=assembly.uid,
            sequence=assembly.sequence,
            title=assembly.title,
            theme=assembly.theme,
            starts_at=assembly.starts_at.astimezone(zone),
            ends_at=assembly.ends_at.astimezone(zone) if assembly.ends_at else None,
            place=assembly.place,
            video_url=assembly.video_url,
            agenda=list(assembly.agenda or []),
            speakers=list(assembly.speakers or []),
            minutes=FileRef.of(assembly.minutes),
            previous_minutes=FileRef.of(minutes_to_attach(session, assembly)),
            cancelled=assembly.cancelled,
            invitation_issue_id=invitation_issue_id,
            language=versions.original_language(assembly),
            texts={code: {name: versions.field_in(assembly, name, code)
                          for name in versions.ASSEMBLY_FIELDS} for code in LANGUAGES},
        )  # fmt: skip

    def shown_title(self, reader: str) -> tuple[str, str]:
        """The title a reader of ``reader`` gets and the language it is in: their version,
        else the original's (``versions.shown_language``)."""
        for code in (reader, self.language, *LANGUAGES):
            title = str(self.texts.get(code, {}).get("title") or "")
            if title.strip():
                return title, code
        return self.title, self.language

    def as_json(self) -> dict[str, Any]:
        """The CLI's document (as before: the PVs by file name, no console fields)."""
        document = super().as_json()
        del document["cancelled"], document["invitation_issue_id"]
        del document["language"], document["texts"]
        document["minutes"] = self.minutes.filename if self.minutes else None
        document["previous_minutes"] = (
            self.previous_minutes.filename if self.previous_minutes else None
        )
        return document
