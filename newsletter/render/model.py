"""The issue as plain data, read from the database once, then rendered per variant.

Nothing here is bound to a session: a ``PreparedIssue`` keeps an ``IssueView`` and
renders its variants later, outside the transaction that loaded it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.editorial.ics import assembly_ics, ics_filename
from newsletter.editorial.issues import get_issue, section_rank
from newsletter.links import annex_url, web_version_url
from newsletter.store.editorial import Assembly, NewsItem, StoredFile
from newsletter.text import html_to_text, markdown_to_html


@dataclass(frozen=True)
class FileLink:
    """A file offered as a signed download link (flyers, oversized annexes)."""

    filename: str
    url: str
    size: int


@dataclass(frozen=True)
class ItemView:
    id: int
    title: str
    organisation: str
    category: str
    language: str
    body_html: str
    body_text: str
    link: str
    event_start: datetime | None
    event_end: datetime | None
    event_place: str
    image_url: str
    image_alt: str
    files: tuple[FileLink, ...]


@dataclass(frozen=True)
class SectionView:
    key: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class Speaker:
    name: str
    organisation: str


@dataclass(frozen=True)
class AssemblyView:
    id: int
    title: str
    theme: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    video_url: str
    agenda: tuple[str, ...]
    speakers: tuple[Speaker, ...]
    ics_filename: str


@dataclass(frozen=True)
class AnnexView:
    """A file that goes with the issue: attached, or linked when over the threshold."""

    filename: str
    label: str
    content_type: str
    size: int
    data: bytes = field(repr=False)
    url: str = ""

    @property
    def attached(self) -> bool:
        return not self.url


@dataclass(frozen=True)
class IssueView:
    id: int
    number: int
    title: str
    introduction_html: str
    introduction_text: str
    sections: tuple[SectionView, ...]
    assemblies: tuple[AssemblyView, ...]
    annexes: tuple[AnnexView, ...]
    web_url: str
    timezone: str
    organisation_name: str

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def _file_link(settings: Settings, stored: StoredFile) -> FileLink:
    return FileLink(stored.filename, annex_url(settings, stored.id, stored.filename), stored.size)


def _item_view(settings: Settings, news: NewsItem, image: StoredFile | None) -> ItemView:
    return ItemView(
        id=news.id,
        title=news.title,
        organisation=news.organisation_name,
        category=news.category,
        language=news.language.value,
        body_html=news.body_html,
        body_text=html_to_text(news.body_html),
        link=news.link,
        event_start=news.event_start,
        event_end=news.event_end,
        event_place=news.event_place,
        image_url=annex_url(settings, image.id, image.filename) if image else "",
        image_alt=news.image_alt or news.title,
        files=tuple(_file_link(settings, a.file) for a in news.attachments),
    )


def _assembly_view(settings: Settings, assembly: Assembly) -> AssemblyView:
    return AssemblyView(
        id=assembly.id,
        title=assembly.title,
        theme=assembly.theme,
        starts_at=assembly.starts_at,
        ends_at=assembly.ends_at,
        place=assembly.place,
        video_url=assembly.video_url,
        agenda=tuple(assembly.agenda),
        speakers=tuple(
            Speaker(str(s.get("name", "")), str(s.get("organisation", "")))
            for s in assembly.speakers
        ),
        ics_filename=ics_filename(assembly, settings),
    )


def _annex(settings: Settings, stored: StoredFile, label: str) -> AnnexView:
    linked = stored.size > settings.annex_link_threshold
    return AnnexView(
        filename=stored.filename,
        label=label or stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        data=b"" if linked else stored.data,
        url=annex_url(settings, stored.id, stored.filename) if linked else "",
    )


def load_issue_view(session: Session, settings: Settings, issue_id: int) -> IssueView:
    """Everything the templates need, as immutable plain data."""
    issue = get_issue(session, issue_id)
    grouped: dict[str, list[ItemView]] = {}
    for link in sorted(issue.items, key=lambda link: link.position):
        news = link.news
        image = session.get(StoredFile, news.image_id) if news.image_id else None
        grouped.setdefault(link.section, []).append(_item_view(settings, news, image))
    order = sorted(grouped, key=lambda key: (section_rank(settings, key), key))
    sections = tuple(SectionView(key, tuple(grouped[key])) for key in order)

    assemblies = [link.assembly for link in issue.assemblies]
    annexes = [_annex(settings, annex.file, annex.label) for annex in issue.annexes]
    for assembly in assemblies:
        ics = assembly_ics(assembly, settings)
        annexes.append(
            AnnexView(
                filename=ics_filename(assembly, settings),
                label=ics_filename(assembly, settings),
                content_type="text/calendar",
                size=len(ics),
                data=ics,
            )
        )
    intro_html = markdown_to_html(issue.introduction) if issue.introduction else ""
    return IssueView(
        id=issue.id,
        number=issue.number,
        title=issue.title,
        introduction_html=intro_html,
        introduction_text=html_to_text(intro_html) if intro_html else "",
        sections=sections,
        assemblies=tuple(_assembly_view(settings, a) for a in assemblies),
        annexes=tuple(annexes),
        web_url=web_version_url(settings, issue.id),
        timezone=settings.timezone,
        organisation_name=settings.organisation_name,
    )


def local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))
