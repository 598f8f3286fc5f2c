"""Issue composition: a draft from the approved queue and the upcoming AGs.

``draft_issue`` gathers every approved news item not yet in a live issue, grouped in
sections by category (in the order of the ``categories`` setting), and every upcoming
AG; the PV that an AG's first agenda item approves becomes an annex. While the issue
is a draft, its texts, items, AGs and annexes may change (``require_editable``).
Status changes go through ``issue_status.transition_issue``.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsletter import versions
from newsletter.config import Settings
from newsletter.editorial.assemblies import (
    minutes_to_attach,
    previous_assembly,
    upcoming_assemblies,
)
from newsletter.editorial.issue_status import is_editable
from newsletter.errors import InvalidTransitionError, NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.models import FileUpload, IssueStatus, Language, NewsStatus
from newsletter.store.editorial import (
    Assembly,
    Issue,
    IssueAnnex,
    IssueAssembly,
    IssueItem,
    NewsItem,
    StoredFile,
    store_file,
)
from newsletter.text import one_line

#: French is the coordinator's language; titles are content, not interface strings
DEFAULT_TITLE = "Lettre d'information n° {number}"
#: the default title per language (content: each version gets its own)
DEFAULT_TITLES = {"fr": DEFAULT_TITLE, "nl": "Nieuwsbrief nr. {number}"}


def get_issue(session: Session, issue_id: int) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFoundError(N_("No issue with id {id}."), id=issue_id)
    return issue


def require_editable(issue: Issue) -> None:
    if not is_editable(issue):
        raise InvalidTransitionError(
            N_("Issue {id} is {status}: only a draft can be changed."),
            id=issue.id,
            status=issue.status.value,
        )


def section_rank(settings: Settings, category: str) -> int:
    try:
        return settings.categories.index(category)
    except ValueError:
        return len(settings.categories)


def available_news(session: Session) -> list[NewsItem]:
    """Approved items that no draft, scheduled or sent issue carries yet."""
    taken = (
        select(IssueItem.news_id)
        .join(Issue, Issue.id == IssueItem.issue_id)
        .where(Issue.status != IssueStatus.cancelled)
    )
    query = (
        select(NewsItem)
        .where(NewsItem.status == NewsStatus.approved, NewsItem.id.not_in(taken))
        .order_by(NewsItem.event_start.is_(None), NewsItem.event_start, NewsItem.id)
    )
    return list(session.scalars(query))


def next_number(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(Issue.number), 0))) or 0) + 1


def draft_issue(
    session: Session,
    settings: Settings,
    *,
    title: str | None = None,
    lists: list[str] | None = None,
    introduction: str = "",
    now: datetime | None = None,
    language: str = "fr",
    bilingual: bool = False,
) -> Issue:
    """A new draft issue from the approved queue and the upcoming AGs, its title and
    introduction in ``language`` (the other version is added with
    ``translate.set_issue_version``). Without a title, each language gets its default."""
    number = next_number(session)
    language = versions.check_language(language)
    issue = Issue(
        number=number,
        title=one_line(title or DEFAULT_TITLES[language].format(number=number), 300),
        introduction=introduction.strip(),
        status=IssueStatus.draft,
        lists=list(lists or []),
        language=Language(language),
        bilingual=bilingual,
    )
    if not title:
        other = versions.other_language(language)
        issue.translations = {other: {"title": DEFAULT_TITLES[other].format(number=number)}}
    session.add(issue)
    news = sorted(available_news(session), key=lambda n: section_rank(settings, n.category))
    for position, item in enumerate(news):
        issue.items.append(IssueItem(news_id=item.id, section=item.category, position=position))
    for assembly in upcoming_assemblies(session, now):
        add_assembly(session, issue, assembly)
    session.flush()
    return issue


def add_assembly(session: Session, issue: Issue, assembly: Assembly) -> None:
    """Announce an AG in the issue (any AG, past or upcoming); the PV its agenda
    approves (the previous AG's) goes with it, for members only (``set_minutes`` changes
    that choice)."""
    require_editable(issue)
    if any(link.assembly_id == assembly.id for link in issue.assemblies):
        return
    link = IssueAssembly(assembly_id=assembly.id, position=len(issue.assemblies))
    issue.assemblies.append(link)
    if issue.assembly_id is None:
        issue.assembly_id = assembly.id
    source = default_minutes_source(session, assembly)
    if source is not None:
        _attach_minutes(issue, link, source)


def default_minutes_source(session: Session, assembly: Assembly) -> Assembly | None:
    """The AG whose PV goes with ``assembly`` unless the coordinator chooses another:
    the previous AG, when this one's agenda approves its PV and it has one."""
    if minutes_to_attach(session, assembly) is None:
        return None
    return previous_assembly(session, assembly)


def minutes_file(assembly: Assembly) -> StoredFile | None:
    """The PV of an AG as it is sent: the approved version once there is one."""
    return assembly.minutes_final or assembly.minutes


def _attach_minutes(issue: Issue, link: IssueAssembly, source: Assembly) -> None:
    minutes = minutes_file(source)
    if minutes is None:
        raise ValidationError(N_("The assembly {id} has no minutes (PV) yet."), id=source.id)
    link.minutes_from_id = source.id
    if any(annex.file_id == minutes.id for annex in issue.annexes):
        return  # another AG of the issue brings the same PV: one annex
    issue.annexes.append(
        IssueAnnex(
            file_id=minutes.id,
            label=minutes.filename,
            position=len(issue.annexes),
            audience="members",
            for_assembly_id=link.assembly_id,
        )
    )


def _detach_minutes(issue: Issue, link: IssueAssembly, kept: list[IssueAssembly]) -> None:
    """Take the PV of ``link`` out, unless an AG of ``kept`` brings the same one (then it
    becomes that AG's)."""
    for annex in list(issue.annexes):
        if annex.for_assembly_id != link.assembly_id:
            continue
        other = next(
            (k for k in kept if k.minutes_from_id is not None
             and k.minutes_from_id == link.minutes_from_id),
            None,
        )  # fmt: skip
        if other is not None:
            annex.for_assembly_id = other.assembly_id
        else:
            issue.annexes.remove(annex)
    _renumber(issue.annexes)
    link.minutes_from_id = None


def set_minutes(session: Session, issue: Issue, assembly_id: int, source_id: int | None) -> None:
    """Which PV goes with the AG ``assembly_id`` of the issue: that of the AG
    ``source_id`` (any AG with a PV), or none (None). The PV goes to members only."""
    require_editable(issue)
    link = next((link for link in issue.assemblies if link.assembly_id == assembly_id), None)
    if link is None:
        raise NotFoundError(N_("Assembly {id} is not in this issue."), id=assembly_id)
    source = None
    if source_id is not None:
        source = session.get(Assembly, source_id)
        if source is None:
            raise NotFoundError(N_("No assembly with id {id}."), id=source_id)
        if minutes_file(source) is None:
            raise ValidationError(N_("The assembly {id} has no minutes (PV) yet."), id=source_id)
    _detach_minutes(issue, link, [k for k in issue.assemblies if k is not link])
    if source is not None:
        _attach_minutes(issue, link, source)
    session.flush()


def remove_assembly(session: Session, issue: Issue, assembly_id: int) -> None:
    """Take an AG out of the issue, and the PV that came with it (unless another AG of
    the issue brings the same PV)."""
    require_editable(issue)
    kept = [link for link in issue.assemblies if link.assembly_id != assembly_id]
    if len(kept) == len(issue.assemblies):
        raise NotFoundError(N_("Assembly {id} is not in this issue."), id=assembly_id)
    link = next(link for link in issue.assemblies if link.assembly_id == assembly_id)
    _detach_minutes(issue, link, kept)
    # a PV attached before the PV was tied to its AG: recognised by its file
    removed = session.get(Assembly, assembly_id)
    still = {
        minutes.id
        for other in kept
        if (minutes := minutes_to_attach(session, other.assembly)) is not None
    }
    gone = minutes_to_attach(session, removed) if removed is not None else None
    if gone is not None and gone.id not in still:
        issue.annexes = [
            annex
            for annex in issue.annexes
            if annex.file_id != gone.id or annex.for_assembly_id is not None
        ]
        _renumber(issue.annexes)
    issue.assemblies = kept
    _renumber(issue.assemblies)
    if issue.assembly_id == assembly_id:
        issue.assembly_id = kept[0].assembly_id if kept else None
    session.flush()


def set_annex_audience(issue: Issue, annex_id: int, audience: str) -> None:
    """Who gets an annex: everyone, members only… (``blocks.AUDIENCES``)."""
    from newsletter.editorial.blocks import check_audience

    require_editable(issue)
    annex = next((a for a in issue.annexes if a.id == annex_id), None)
    if annex is None:
        raise NotFoundError(N_("No annex {id} in this issue."), id=annex_id)
    annex.audience = check_audience(audience)


def duplicate_issue(session: Session, source: Issue) -> Issue:
    """A new draft with the same title, introduction, sections, AGs, annexes and lists
    (from any issue, a sent one too). A title that was the default numbered one takes the
    new number."""
    number = next_number(session)
    title = source.title
    if title == DEFAULT_TITLE.format(number=source.number):
        title = DEFAULT_TITLE.format(number=number)
    copy = Issue(
        number=number,
        title=title,
        introduction=source.introduction,
        language=source.language,
        translations=deepcopy(source.translations or {}),
        bilingual=source.bilingual,
        status=IssueStatus.draft,
        lists=list(source.lists or []),
        public=source.public,
        assembly_id=source.assembly_id,
    )
    session.add(copy)
    for link in source.items:
        copy.items.append(
            IssueItem(news_id=link.news_id, section=link.section, position=link.position)
        )
    for ag_link in source.assemblies:
        copy.assemblies.append(
            IssueAssembly(
                assembly_id=ag_link.assembly_id,
                position=ag_link.position,
                minutes_from_id=ag_link.minutes_from_id,
            )
        )
    for annex in source.annexes:
        copy.annexes.append(
            IssueAnnex(
                file_id=annex.file_id,
                label=annex.label,
                translations=deepcopy(annex.translations or {}),
                position=annex.position,
                audience=annex.audience,
                for_assembly_id=annex.for_assembly_id,
            )
        )
    from newsletter.editorial.blocks import copy_blocks

    copy.blocks = copy_blocks(source)
    session.flush()
    return copy


def add_item(session: Session, issue: Issue, news: NewsItem, section: str | None = None) -> None:
    require_editable(issue)
    if news.status not in (NewsStatus.approved, NewsStatus.published):
        raise ValidationError(N_("News item {id} is not approved."), id=news.id)
    if any(link.news_id == news.id for link in issue.items):
        return
    issue.items.append(
        IssueItem(news_id=news.id, section=section or news.category, position=len(issue.items))
    )
    session.flush()


def remove_item(session: Session, issue: Issue, news_id: int) -> None:
    require_editable(issue)
    issue.items = [link for link in issue.items if link.news_id != news_id]
    _renumber(issue.items)
    session.flush()


def move_item(session: Session, issue: Issue, news_id: int, position: int) -> None:
    """Put an item at ``position`` (0-based) in the issue's order."""
    require_editable(issue)
    ordered = sorted(issue.items, key=lambda link: link.position)
    moving = [link for link in ordered if link.news_id == news_id]
    if not moving:
        raise NotFoundError(N_("News item {id} is not in this issue."), id=news_id)
    ordered.remove(moving[0])
    ordered.insert(max(0, min(position, len(ordered))), moving[0])
    _renumber(ordered)
    issue.items = ordered
    session.flush()


def add_annex(
    session: Session, issue: Issue, upload: FileUpload, label: str = "", audience: str = "all"
) -> IssueAnnex:
    from newsletter.editorial.blocks import check_audience

    require_editable(issue)
    filename, content_type, data = upload
    stored = store_file(session, one_line(filename, 255), content_type, data)
    annex = IssueAnnex(
        file_id=stored.id,
        label=one_line(label, 300) or stored.filename,
        audience=check_audience(audience),
    )
    annex.position = len(issue.annexes)
    issue.annexes.append(annex)
    session.flush()
    return annex


def remove_annex(session: Session, issue: Issue, annex_id: int) -> None:
    require_editable(issue)
    issue.annexes = [annex for annex in issue.annexes if annex.id != annex_id]
    _renumber(issue.annexes)
    session.flush()


def set_texts(
    issue: Issue,
    *,
    title: str | None = None,
    introduction: str | None = None,
    lists: list[str] | None = None,
    public: bool | None = None,
    bilingual: bool | None = None,
) -> None:
    require_editable(issue)
    if bilingual is not None:
        issue.bilingual = bilingual
    if title is not None:
        if not one_line(title, 300):
            raise ValidationError(N_("An issue needs a title."))
        issue.title = one_line(title, 300)
    if introduction is not None:
        issue.introduction = introduction.strip()
    if lists is not None:
        issue.lists = list(lists)
    if public is not None:
        issue.public = public


def _renumber(rows: list[Any]) -> None:
    for position, row in enumerate(rows):
        row.position = position
