"""What goes into an issue: any AG with the PV chosen for it, any approved news item,
the coordinator's own blocks (text, image, button) and who gets each part.

One transaction per action, the same for every door (console, CLI). The rules are in
``editorial.issues`` (AGs, PV, annexes) and ``editorial.blocks`` (blocks, audiences).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import object_session

from newsletter import versions
from newsletter.context import Context
from newsletter.editorial import blocks, issues
from newsletter.editorial.assemblies import get_assembly
from newsletter.editorial.revision import issue_revision
from newsletter.errors import NewsletterError, ValidationError
from newsletter.i18n import LANGUAGES, N_
from newsletter.intake.files import FilePolicy
from newsletter.models import FileUpload, NewsStatus
from newsletter.service.results import IssueSummary
from newsletter.store.editorial import Assembly, IssueBlock, IssueItem, NewsItem, StoredFile
from newsletter.text import BodyFormat

#: the words of a block per language as the doors pass them:
#: ``{"fr": {"body": …}, "nl": {"label": …}}``
BlockTexts = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class BlockEdit:
    """A block's fields as a door sends them (None: unchanged)."""

    place: str | None = None
    audience: str | None = None
    texts: BlockTexts | None = None
    url: str | None = None
    image: FileUpload | None = None
    #: an image block's picture per language version
    images: Mapping[str, FileUpload] | None = None


@dataclass(frozen=True)
class AssemblyChoice:
    """An AG as the composer lists it."""

    id: int
    title: str
    starts_at: datetime
    has_minutes: bool


@dataclass(frozen=True)
class NewsChoice:
    """An approved news item the composer offers to add."""

    id: int
    title: str
    organisation: str


@dataclass(frozen=True)
class AnnouncedAssembly:
    id: int
    title: str
    starts_at: datetime
    #: the AG whose PV goes with it (None: no PV)
    minutes_from: int | None


@dataclass(frozen=True)
class BlockRow:
    id: int
    kind: str
    place: str
    audience: str
    url: str
    image_id: int | None
    image_name: str
    #: per language: {"body": …, "label": …, "image_alt": …} as stored
    texts: dict[str, dict[str, str]]
    languages: list[str]
    #: an image block's picture per language ("" for a version showing the original's)
    image_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IssueContent:
    """The composer's view of what goes into the issue."""

    assemblies: list[AnnouncedAssembly]
    #: every AG not in the issue, the newest first
    other_assemblies: list[AssemblyChoice]
    #: every AG with a PV (a choice for each announced AG)
    with_minutes: list[AssemblyChoice]
    blocks: list[BlockRow]
    #: annex id → who gets it
    annex_audiences: dict[int, str]
    places: list[str]
    #: news items already sent in an issue that may be added again: (id, title)
    published: list[tuple[int, str]] = field(default_factory=list)


#: how many issues' preview checks are kept (the drafts being composed)
CHECKS_KEPT = 64


class IssueContentService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        #: issue id → (its revision, why its preview cannot be built or None)
        self._checks: OrderedDict[int, tuple[str, NewsletterError | None]] = OrderedDict()
        self._checks_lock = threading.Lock()

    def preview_problem(self, issue_id: int) -> NewsletterError | None:
        """Why the issue cannot be read for its preview (None: it can), as the composer
        shows it. Checked once per revision of the issue (``editorial.revision``): any
        change to it, its items, AGs, PV, annexes, blocks or lists checks it again."""
        from newsletter.render.prepare import prepare_issue

        with self.ctx.db.session() as session:
            revision = issue_revision(session, issue_id)  # before reading: never stale
            with self._checks_lock:
                kept = self._checks.get(issue_id)
            if kept is not None and kept[0] == revision:
                return kept[1]
            problem: NewsletterError | None = None
            try:
                prepare_issue(session, self.ctx.settings, issue_id)
            except NewsletterError as error:
                problem = error
        with self._checks_lock:
            self._checks[issue_id] = (revision, problem)
            self._checks.move_to_end(issue_id)
            while len(self._checks) > CHECKS_KEPT:
                self._checks.popitem(last=False)
        return problem

    def content(self, issue_id: int) -> IssueContent:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            announced = {link.assembly_id for link in issue.assemblies}
            every = list(session.scalars(select(Assembly).order_by(Assembly.starts_at.desc())))
            in_issue = {link.news_id for link in issue.items}
            published = [
                (news_id, title)
                for news_id, title in session.execute(
                    select(NewsItem.id, NewsItem.title)
                    .where(NewsItem.status == NewsStatus.published)
                    .order_by(NewsItem.id.desc())
                    .limit(50)
                ).all()
                if news_id not in in_issue
            ]
            return IssueContent(
                assemblies=[
                    AnnouncedAssembly(
                        link.assembly_id,
                        link.assembly.title,
                        link.assembly.starts_at,
                        link.minutes_from_id,
                    )
                    for link in issue.assemblies
                ],
                other_assemblies=[_choice(a) for a in every if a.id not in announced],
                with_minutes=[_choice(a) for a in every if issues.minutes_file(a) is not None],
                blocks=[_block_row(block) for block in _in_order(issue.blocks, self.ctx)],
                annex_audiences={annex.id: annex.audience for annex in issue.annexes},
                places=blocks.places(self.ctx.settings),
                published=published,
            )

    def available_news(self, issue_id: int) -> list[NewsChoice]:
        """The approved news items not in the issue, the newest first (one query)."""
        with self.ctx.db.session() as session:
            in_issue = select(IssueItem.news_id).where(IssueItem.issue_id == issue_id)
            rows = session.execute(
                select(NewsItem.id, NewsItem.title, NewsItem.organisation_name)
                .where(NewsItem.status == NewsStatus.approved, NewsItem.id.not_in(in_issue))
                .order_by(NewsItem.created_at.desc(), NewsItem.id.desc())
            )
            return [
                NewsChoice(news_id, title, organisation) for news_id, title, organisation in rows
            ]

    # --- AGs and their PV ----------------------------------------------------------------
    def add_assembly(self, issue_id: int, assembly_id: int) -> IssueSummary:
        """Announce any AG (past or upcoming), with the previous AG's PV by default."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.add_assembly(session, issue, get_assembly(session, assembly_id))
            session.flush()
            return IssueSummary.of(issue)

    def remove_assembly(self, issue_id: int, assembly_id: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.remove_assembly(session, issue, assembly_id)
            return IssueSummary.of(issue)

    def set_minutes(self, issue_id: int, assembly_id: int, source_id: int | None) -> IssueSummary:
        """The PV that goes with an AG of the issue: that of AG ``source_id``, or none."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.set_minutes(session, issue, assembly_id, source_id)
            return IssueSummary.of(issue)

    def save_minutes(
        self, issue_id: int, choices: Mapping[int, int | None]
    ) -> dict[int, NewsletterError]:
        """The PV chosen for each AG of the issue (AG id → the AG whose PV goes with it,
        None: none), as the composer sends them: those that changed are stored, one
        transaction; a choice refused is returned by AG id (the others are stored)."""
        errors: dict[int, NewsletterError] = {}
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            current = {link.assembly_id: link.minutes_from_id for link in issue.assemblies}
            for assembly_id, source_id in choices.items():
                if assembly_id in current and current[assembly_id] == source_id:
                    continue
                try:
                    issues.set_minutes(session, issue, assembly_id, source_id)
                except NewsletterError as error:
                    errors[assembly_id] = error
        return errors

    def set_annex_audience(self, issue_id: int, annex_id: int, audience: str) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.set_annex_audience(issue, annex_id, audience)
            session.flush()
            return IssueSummary.of(issue)

    # --- blocks --------------------------------------------------------------------------
    def _image(self, image: FileUpload | None) -> FileUpload | None:
        """An uploaded picture through the file policy (checked and re-encoded)."""
        if image is None:
            return None
        return FilePolicy.of(self.ctx.settings).image(image[0], image[2])

    def add_block(
        self,
        issue_id: int,
        kind: str,
        *,
        place: str = "introduction",
        audience: str = "all",
        texts: BlockTexts | None = None,
        url: str = "",
        image: FileUpload | None = None,
        body_format: BodyFormat = "markdown",
    ) -> int:
        """A new text, image or button block; returns its id."""
        if kind == "image" and image is None:
            raise ValidationError(N_("Choose the image of the block."))
        accepted = self._image(image)
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            block = blocks.add_block(
                session,
                self.ctx.settings,
                issue,
                kind,
                place=place,
                audience=audience,
                texts=texts,
                url=url,
                image=accepted,
                body_format=body_format,
            )
            return block.id

    def update_block(
        self,
        issue_id: int,
        block_id: int,
        *,
        place: str | None = None,
        audience: str | None = None,
        texts: BlockTexts | None = None,
        url: str | None = None,
        image: FileUpload | None = None,
        body_format: BodyFormat = "markdown",
        images: Mapping[str, FileUpload] | None = None,
    ) -> int:
        """Change a block (None: unchanged); ``images``: a picture per language."""
        accepted = self._image(image)
        per_language = {lang: self._image(i) for lang, i in (images or {}).items()}
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            blocks.update_block(
                session,
                self.ctx.settings,
                issue,
                block_id,
                place=place,
                audience=audience,
                texts=texts,
                url=url,
                image=accepted,
                body_format=body_format,
                images={lang: i for lang, i in per_language.items() if i is not None},
            )
            return block_id

    def save_blocks(
        self, issue_id: int, edits: Mapping[int, BlockEdit]
    ) -> dict[int, NewsletterError]:
        """Every block's fields as the composer sends them with each of its buttons: each
        block that changed is stored in its own transaction; a block refused keeps its
        stored version and its error is returned by block id (the others are stored)."""
        with self.ctx.db.session() as session:
            stored = {b.id: _block_row(b) for b in issues.get_issue(session, issue_id).blocks}
        errors: dict[int, NewsletterError] = {}
        for block_id, edit in edits.items():
            row = stored.get(block_id)
            if row is not None and _unchanged(row, edit):
                continue
            try:
                self.update_block(
                    issue_id, block_id, place=edit.place, audience=edit.audience,
                    texts=edit.texts, url=edit.url, image=edit.image, images=edit.images,
                )  # fmt: skip
            except NewsletterError as error:
                errors[block_id] = error
        return errors

    def move_block(self, issue_id: int, block_id: int, step: int) -> None:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            blocks.move_block(session, self.ctx.settings, issue, block_id, step)

    def remove_block(self, issue_id: int, block_id: int) -> None:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            blocks.remove_block(session, issue, block_id)


def _choice(assembly: Assembly) -> AssemblyChoice:
    return AssemblyChoice(
        assembly.id, assembly.title, assembly.starts_at, issues.minutes_file(assembly) is not None
    )


def _in_order(rows: list[IssueBlock], ctx: Context) -> list[IssueBlock]:
    order = blocks.places(ctx.settings)
    return sorted(
        rows,
        key=lambda b: (order.index(b.place) if b.place in order else len(order), b.position or 0),
    )


def _unchanged(row: BlockRow, edit: BlockEdit) -> bool:
    """Whether ``edit`` would leave the block as stored (a new image always changes it)."""
    if edit.image is not None or edit.images:
        return False
    if edit.place is not None and edit.place.strip() != row.place:
        return False
    if edit.audience is not None and edit.audience.strip().lower() != row.audience:
        return False
    if edit.url is not None and row.kind == "button" and edit.url.strip() != row.url:
        return False
    for lang, values in (edit.texts or {}).items():
        stored = row.texts.get(lang, {})
        if any(str(value or "").strip() != stored.get(name, "") for name, value in values.items()):
            return False
    return True


def _block_row(block: IssueBlock) -> BlockRow:
    texts = {
        lang: {
            "body": str(versions.field_in(block, "body_source", lang)),
            "label": str(versions.field_in(block, "label", lang)),
            "image_alt": str(versions.field_in(block, "image_alt", lang)),
        }
        for lang in LANGUAGES
    }
    key = blocks.KEY_FIELD.get(block.kind, "label")
    return BlockRow(
        id=block.id,
        kind=block.kind,
        place=block.place,
        audience=block.audience,
        url=block.url,
        image_id=block.image_id,
        image_name=block.image.filename if block.image else "",
        texts=texts,
        languages=versions.languages(block, key),
        image_names={lang: _image_name(block, lang) for lang in LANGUAGES},
    )


def _image_name(block: IssueBlock, lang: str) -> str:
    """The name of the picture of ``lang``'s version ("": it shows the original's)."""
    if lang == versions.original_language(block):
        return block.image.filename if block.image else ""
    image_id = versions.field_in(block, "image_id", lang)
    session = object_session(block)
    stored = session.get(StoredFile, image_id) if image_id and session else None
    return stored.filename if stored else ""
