"""The issue as plain data, read from the database once, then rendered per variant.

Nothing here is bound to a session: a ``PreparedIssue`` keeps one ``IssueView`` per
reader language (``load_issue_views``) and renders its variants later, outside the
transaction that loaded it. Each view holds the version of every text its reader gets
(``newsletter.versions``): theirs, else the other one marked ``fallback``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, object_session

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.blocks import FIRST_PLACES, KEY_FIELD, LAST_PLACE, places, shown_to
from newsletter.editorial.ics import assembly_ics, ics_filename
from newsletter.editorial.issues import get_issue, section_rank
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES
from newsletter.links import annex_url, web_version_url
from newsletter.store.editorial import (
    Assembly,
    Issue,
    IssueAnnex,
    IssueBlock,
    NewsItem,
    StoredFile,
)
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
    #: the language of the version shown
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
    #: the reader's language has no version: this is the other one (shown with a note)
    fallback: bool = False
    #: the words of the link ("" : the template's "Read more")
    link_text: str = ""


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
    language: str = DEFAULT_LANGUAGE
    fallback: bool = False


@dataclass(frozen=True)
class AnnexView:
    """A file that goes with the issue: attached, or linked when over the threshold."""

    filename: str
    label: str
    content_type: str
    size: int
    data: bytes = field(repr=False)
    url: str = ""
    #: who gets it (``editorial.blocks.AUDIENCES``)
    audience: str = "all"
    #: its download link in the web version, where nothing is attached (empty for an
    #: AG's calendar file: the web version links the network's calendar instead)
    web_url: str = ""

    @property
    def attached(self) -> bool:
        return not self.url


@dataclass(frozen=True)
class BlockView:
    """A block of the coordinator's own words, in the version a reader gets."""

    id: int
    kind: str
    #: after which part it comes: "introduction", "assemblies", a section key or "end"
    place: str
    audience: str
    language: str
    body_html: str
    body_text: str
    label: str
    url: str
    image_url: str
    image_alt: str
    fallback: bool = False


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
    #: the reader language this view is for
    language: str = DEFAULT_LANGUAGE
    #: the language of the title and introduction shown
    text_language: str = DEFAULT_LANGUAGE
    #: the bilingual edition: every reader gets both versions
    bilingual: bool = False
    blocks: tuple[BlockView, ...] = ()

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def limited(self) -> bool:
        """Whether some content goes to some readers only (variants per membership)."""
        audiences = [b.audience for b in self.blocks] + [a.audience for a in self.annexes]
        return any(audience != "all" for audience in audiences)

    def blocks_at(self, place: str, block: str) -> list[BlockView]:
        """The blocks after ``place`` that a reader of variant ``block`` gets."""
        return [b for b in self.blocks if b.place == place and shown_to(b.audience, block)]

    def annexes_for(self, block: str) -> tuple[AnnexView, ...]:
        return tuple(a for a in self.annexes if shown_to(a.audience, block))


def _file_link(settings: Settings, stored: StoredFile) -> FileLink:
    return FileLink(stored.filename, annex_url(settings, stored.id, stored.filename), stored.size)


def _item_view(
    settings: Settings, news: NewsItem, image: StoredFile | None, reader: str
) -> ItemView:
    chosen = versions.choose(news, reader)
    lang = chosen.language
    title = str(versions.field_in(news, "title", lang))
    body_html = str(versions.pick(news, "body_html", lang))
    return ItemView(
        id=news.id,
        title=title,
        organisation=news.organisation_name,
        category=news.category,
        language=lang,
        body_html=body_html,
        body_text=html_to_text(body_html),
        link=news.link,
        event_start=news.event_start,
        event_end=news.event_end,
        event_place=str(versions.pick(news, "event_place", lang)),
        image_url=annex_url(settings, image.id, image.filename) if image else "",
        image_alt=str(versions.field_in(news, "image_alt", lang)) or title,
        files=tuple(_file_link(settings, a.file) for a in news.attachments),
        fallback=chosen.fallback,
        link_text=str(versions.field_in(news, "link_text", lang)),
    )


def _assembly_view(settings: Settings, assembly: Assembly, reader: str) -> AssemblyView:
    chosen = versions.choose(assembly, reader)
    lang = chosen.language
    return AssemblyView(
        id=assembly.id,
        title=str(versions.field_in(assembly, "title", lang)),
        theme=str(versions.pick(assembly, "theme", lang)),
        starts_at=assembly.starts_at,
        ends_at=assembly.ends_at,
        place=str(versions.pick(assembly, "place", lang)),
        video_url=assembly.video_url,
        agenda=tuple(str(point) for point in versions.pick(assembly, "agenda", lang)),
        speakers=tuple(
            Speaker(str(s.get("name", "")), str(s.get("organisation", "")))
            for s in versions.pick(assembly, "speakers", lang) or []
        ),
        ics_filename=ics_filename(assembly, settings, reader),
        language=lang,
        fallback=chosen.fallback,
    )


def _annex(settings: Settings, stored: StoredFile, label: str, audience: str = "all") -> AnnexView:
    linked = stored.size > settings.annex_link_threshold
    url = annex_url(settings, stored.id, stored.filename)
    return AnnexView(
        audience=audience,
        filename=stored.filename,
        label=label or stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        data=b"" if linked else stored.data,
        url=url if linked else "",
        web_url=url,
    )


class AnnexLabel:
    """An annex label's versions: its original language is its issue's."""

    def __init__(self, annex: IssueAnnex, issue: Issue) -> None:
        self.language = issue.language
        self.translations = annex.translations
        self.label = annex.label


def _issue_view(session: Session, settings: Settings, issue: Issue, reader: str) -> IssueView:
    grouped: dict[str, list[ItemView]] = {}
    for link in sorted(issue.items, key=lambda link: link.position):
        news = link.news
        image = session.get(StoredFile, news.image_id) if news.image_id else None
        grouped.setdefault(link.section, []).append(_item_view(settings, news, image, reader))
    order = sorted(grouped, key=lambda key: (section_rank(settings, key), key))
    sections = tuple(SectionView(key, tuple(grouped[key])) for key in order)
    annexes = [
        _annex(
            settings,
            annex.file,
            str(versions.pick(AnnexLabel(annex, issue), "label", reader)),
            annex.audience or "all",
        )
        for annex in issue.annexes
    ]
    ics = []
    for announced in issue.assemblies:
        data = assembly_ics(announced.assembly, settings, reader)
        name = ics_filename(announced.assembly, settings, reader)
        ics.append(AnnexView(filename=name, label=name, content_type="text/calendar",
                             size=len(data), data=data))  # fmt: skip
    text_lang = versions.shown_language(issue, reader)
    introduction = str(versions.field_in(issue, "introduction", text_lang))
    intro_html = markdown_to_html(introduction) if introduction else ""
    return IssueView(
        id=issue.id,
        number=issue.number,
        title=str(versions.field_in(issue, "title", text_lang)),
        introduction_html=intro_html,
        introduction_text=html_to_text(intro_html) if intro_html else "",
        sections=sections,
        assemblies=tuple(
            _assembly_view(settings, link.assembly, reader) for link in issue.assemblies
        ),
        annexes=(*annexes, *ics),
        web_url=web_version_url(settings, issue.id, reader),
        timezone=settings.timezone,
        organisation_name=settings.organisation_name_in(reader),
        language=reader,
        text_language=text_lang,
        bilingual=issue.bilingual,
        blocks=_block_views(settings, issue, reader, {s.key for s in sections}),
    )


def _block_image(block: IssueBlock, lang: str) -> StoredFile | None:
    """The picture of ``lang``'s version of an image block, else the original's."""
    if lang == versions.original_language(block):
        return block.image
    own = versions.field_in(block, "image_id", lang)
    session = object_session(block)
    if own and session is not None:
        found = session.get(StoredFile, own)
        if found is not None:
            return found
    return block.image


def _block_views(
    settings: Settings, issue: Issue, reader: str, present: set[str]
) -> tuple[BlockView, ...]:
    """The blocks in order; one after a section the issue does not have goes to the end."""
    order = places(settings)
    shown = []
    for block in issue.blocks:
        place = block.place
        if place not in order or (place not in FIRST_PLACES and place != LAST_PLACE
                                  and place not in present):  # fmt: skip
            place = LAST_PLACE
        if place == "assemblies" and not issue.assemblies:
            place = FIRST_PLACES[0]
        chosen = versions.choose(block, reader, KEY_FIELD.get(block.kind, "label"))
        lang = chosen.language
        body_html = str(versions.field_in(block, "body_html", lang))
        image = _block_image(block, lang)
        shown.append(
            (
                order.index(place),
                block.position,
                BlockView(
                    id=block.id,
                    kind=block.kind,
                    place=place,
                    audience=block.audience or "all",
                    language=lang,
                    body_html=body_html,
                    body_text=html_to_text(body_html) if body_html else "",
                    label=str(versions.field_in(block, "label", lang)),
                    url=block.url,
                    image_url=annex_url(settings, image.id, image.filename) if image else "",
                    image_alt=str(versions.pick(block, "image_alt", lang)),
                    fallback=chosen.fallback,
                ),
            )
        )
    return tuple(view for _rank, _position, view in sorted(shown, key=lambda s: s[:2]))


def load_issue_views(session: Session, settings: Settings, issue_id: int) -> dict[str, IssueView]:
    """Everything the templates need, as immutable plain data, one view per language."""
    issue = get_issue(session, issue_id)
    return {lang: _issue_view(session, settings, issue, lang) for lang in LANGUAGES}


def load_issue_view(
    session: Session, settings: Settings, issue_id: int, lang: str = DEFAULT_LANGUAGE
) -> IssueView:
    """The view of one reader language (the print edition, one-language pages)."""
    return load_issue_views(session, settings, issue_id)[lang]


def local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))
