"""Service of the editorial stages: news queue, assemblies (AG), issues, preview.

Each method is one transaction. Results are the typed records of ``service.results``
(whose ``as_json()`` the CLI prints) or render objects, never ORM rows bound to a closed session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from newsletter import links, versions
from newsletter.context import Context
from newsletter.editorial import assemblies as ag
from newsletter.editorial import issues, translate
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.intake import news
from newsletter.intake.files import FilePolicy
from newsletter.models import FileUpload, Language, Membership, NewsSource, NewsStatus
from newsletter.render.contract import Personalization
from newsletter.render.prepare import PreparedIssue, prepare_issue
from newsletter.render.preview import (
    Preview,
    decode_parts,
    message_id,
    preview,
    sample_personalization,
    write_preview,
)
from newsletter.service.results import AssemblySummary, IssueSummary, NewsHistoryEntry, NewsSummary
from newsletter.text import BodyFormat

#: the subscriber id and To of the web version's message: never shown, never sent to
WEB_READER_ID = 0
WEB_READER_EMAIL = "lecteur@example.org"


class EditorialService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- news queue ----------------------------------------------------------------------
    def submit_news(
        self,
        *,
        title: str,
        body: str,
        body_format: BodyFormat = "markdown",
        organisation: str = "",
        organisation_id: int | None = None,
        sender: str = "",
        category: str | None = None,
        source: NewsSource = NewsSource.coordinator,
        language: Language | str = Language.fr,
        attachments: Sequence[FileUpload] = (),
        image: FileUpload | None = None,
        image_alt: str = "",
        link: str = "",
        event_start: datetime | None = None,
        event_end: datetime | None = None,
        event_place: str = "",
        link_text: str = "",
        notes: Sequence[Msg] = (),
        actor: str = "",
        other: dict[str, str] | None = None,
        submission_key: str | None = None,
    ) -> NewsSummary:
        """A news item into the queue, from any door but e-mail (whose pipeline applies
        the same file policy, turning a refused file into a note). ``other``: its version
        in the other language (``title``, ``body``…), in the same transaction: a bad
        translation refuses the whole submission, nothing half-stored."""
        policy = FilePolicy.of(self.ctx.settings)
        documents = [policy.document(name, data) for name, _declared, data in attachments]
        picture = policy.image(image[0], image[2]) if image is not None else None
        with self.ctx.db.session() as session:
            item = news.submit_news(
                session,
                self.ctx.settings,
                title=title,
                body=body,
                body_format=body_format,
                organisation_id=organisation_id,
                organisation_name=organisation,
                sender=sender,
                category=category,
                source=source,
                language=language,
                attachments=documents,
                image=picture,
                image_alt=image_alt,
                link=link,
                event_start=event_start,
                event_end=event_end,
                event_place=event_place,
                link_text=link_text,
                notes=notes,
                actor=actor,
            )
            if submission_key:
                item.submission_key = submission_key
                session.flush()  # a second form with the same key fails here, adding nothing
            if other:
                translate.translate_news(
                    self.ctx.settings, item, versions.other_language(item.language.value),
                    title=other.get("title", ""), body=other.get("body", ""),
                    body_format=body_format, link_text=other.get("link_text", ""),
                    image_alt=other.get("image_alt", ""), event_place=other.get("event_place", ""),
                )  # fmt: skip
            return NewsSummary.of(item)

    def translate_news(
        self,
        news_id: int,
        lang: str,
        *,
        title: str,
        body: str,
        body_format: BodyFormat = "markdown",
        link_text: str = "",
        image_alt: str = "",
        event_place: str = "",
    ) -> NewsSummary:
        """Add or replace one language version of a news item (console and CLI alike)."""
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            translate.translate_news(
                self.ctx.settings, item, lang, title=title, body=body, body_format=body_format,
                link_text=link_text, image_alt=image_alt, event_place=event_place,
            )  # fmt: skip
            return NewsSummary.of(item)

    def drop_news_version(self, news_id: int, lang: str) -> NewsSummary:
        """Remove the other language version of a news item (the original stays)."""
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            translate.drop_news_version(item, lang)
            return NewsSummary.of(item)

    def list_news(self, status: NewsStatus | None = None) -> list[NewsSummary]:
        with self.ctx.db.session() as session:
            return [NewsSummary.of(item) for item in news.list_news(session, status)]

    def get_news(self, news_id: int) -> NewsSummary:
        with self.ctx.db.session() as session:
            return NewsSummary.of(news.get_news(session, news_id))

    def news_history(self, news_id: int) -> list[NewsHistoryEntry]:
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            return [NewsHistoryEntry.of(e) for e in item.events]

    # --- assemblies ----------------------------------------------------------------------
    @staticmethod
    def parse_speakers(text: str, lang: str = "") -> list[dict[str, str]]:
        """Speakers typed one a line as ``Name, Organisation`` (console and CLI alike);
        ``lang``: the language version typed ("" for the original)."""
        return [ag.parse_speaker(line, lang) for line in text.splitlines() if line.strip()]

    @staticmethod
    def parse_agenda(text: str) -> list[str]:
        """Agenda items one a line, bullets and numbers removed (console and CLI alike)."""
        return ag.parse_agenda(text)

    def create_assembly(
        self,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime | None = None,
        place: str = "",
        video_url: str = "",
        agenda: list[str] | None = None,
        speakers: list[dict[str, str]] | None = None,
        theme: str = "",
        language: str = "fr",
        texts: dict[str, dict[str, object]] | None = None,
    ) -> AssemblySummary:
        """A new AG in ``language``; ``texts``: title, theme, place, agenda and speakers
        per language."""
        language, main, other = translate.split_versions(
            language,
            {"title": title, "theme": theme, "place": place, "agenda": agenda,
             "speakers": speakers},
            texts or {},
        )  # fmt: skip
        title, theme = str(main.get("title") or ""), str(main.get("theme") or "")
        place = str(main.get("place") or "")
        agenda = [str(point) for point in main.get("agenda") or []]  # type: ignore[attr-defined]
        speakers = list(main.get("speakers") or [])  # type: ignore[call-overload]
        with self.ctx.db.session() as session:
            assembly = ag.create_assembly(
                session,
                self.ctx.settings,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                place=place,
                video_url=video_url,
                agenda=agenda,
                speakers=speakers,
                theme=theme,
                language=language,
            )
            if other:
                agenda_other, speakers_other = other.get("agenda"), other.get("speakers")
                translate.set_assembly_version(
                    self.ctx.settings, assembly, versions.other_language(language),
                    title=str(other["title"]) if "title" in other else None,
                    theme=str(other["theme"]) if "theme" in other else None,
                    place=str(other["place"]) if "place" in other else None,
                    agenda=[str(p) for p in agenda_other]
                    if isinstance(agenda_other, list) else None,
                    speakers=list(speakers_other) if isinstance(speakers_other, list) else None,
                    previous=ag.previous_assembly(session, assembly),
                )  # fmt: skip
                assembly.sequence = 0
            return AssemblySummary.of(session, self.ctx.settings, assembly)

    def set_assembly_version(self, assembly_id: int, lang: str, **texts: Any) -> AssemblySummary:
        """One language's title, theme, place, agenda or speakers of an AG."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            translate.set_assembly_version(
                self.ctx.settings, assembly, lang,
                previous=ag.previous_assembly(session, assembly), **texts,
            )  # fmt: skip
            return AssemblySummary.of(session, self.ctx.settings, assembly)

    def update_assembly(
        self,
        assembly_id: int,
        *,
        other: dict[str, Any] | None = None,
        **changes: Any,
    ) -> AssemblySummary:
        """Change an AG (``changes``: the original version's texts and the rest);
        ``other``: the other language's title, theme, place, agenda and speakers at the
        same time (all empty removes that version)."""
        with self.ctx.db.session() as session:
            assembly = ag.update_assembly(session, ag.get_assembly(session, assembly_id), **changes)
            if other is not None:
                agenda, speakers = other.get("agenda"), other.get("speakers")
                code = versions.other_language(versions.original_language(assembly))
                if not str(other.get("title") or "").strip() and any(
                    other.get(name) for name in ("theme", "place", "agenda", "speakers")
                ):
                    raise ValidationError(N_("An assembly needs a title.")).on("title", code)
                translate.set_assembly_version(
                    self.ctx.settings, assembly, code,
                    title=str(other.get("title") or ""), theme=str(other.get("theme") or ""),
                    place=str(other.get("place") or ""),
                    agenda=[str(point) for point in agenda] if isinstance(agenda, list) else [],
                    speakers=list(speakers) if isinstance(speakers, list) else [],
                    previous=ag.previous_assembly(session, assembly),
                )  # fmt: skip
                assembly.sequence -= 1  # one change, one new calendar SEQUENCE
            return AssemblySummary.of(session, self.ctx.settings, assembly)

    def edit_assembly(
        self,
        assembly_id: int,
        *,
        original: dict[str, Any] | None = None,
        texts: dict[str, dict[str, Any]] | None = None,
        **changes: Any,
    ) -> AssemblySummary:
        """Change some facts of an AG (``changes``: times, video link…) and some texts:
        the original version's (``original``) or either language's (``texts``:
        ``{"nl": {"speakers": […]}}``); what is not given stays (``assembly edit``). One
        change, one new calendar SEQUENCE."""
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            language, main, other = translate.split_versions(
                versions.original_language(assembly), original or {}, texts or {}
            )
            sequence = assembly.sequence
            if changes:
                ag.update_assembly(session, assembly, **changes)
            previous = ag.previous_assembly(session, assembly)
            given_texts: dict[str, dict[str, Any]] = {
                language: main,
                versions.other_language(language): other,
            }
            for lang, given in given_texts.items():
                if not given:
                    continue
                translate.set_assembly_version(
                    self.ctx.settings, assembly, lang, previous=previous, **given
                )
                if versions.languages(assembly) and not versions.has_version(assembly, lang):
                    raise ValidationError(N_("An assembly needs a title.")).on("title", lang)
            assembly.sequence = sequence + 1
            session.flush()
            return AssemblySummary.of(session, self.ctx.settings, assembly)

    def attach_minutes(self, assembly_id: int, filename: str, data: bytes) -> AssemblySummary:
        """The PV of an AG: a PDF, as every document (``intake.files``)."""
        name, content_type, data = FilePolicy.of(self.ctx.settings).document(filename, data)
        with self.ctx.db.session() as session:
            assembly = ag.get_assembly(session, assembly_id)
            ag.attach_minutes(session, assembly, name, data, content_type)
            return AssemblySummary.of(session, self.ctx.settings, assembly)

    def get_assembly(self, assembly_id: int) -> AssemblySummary:
        with self.ctx.db.session() as session:
            return AssemblySummary.of(
                session, self.ctx.settings, ag.get_assembly(session, assembly_id)
            )

    # --- issues --------------------------------------------------------------------------
    def draft_issue(
        self,
        *,
        title: str | None = None,
        lists: list[str] | None = None,
        introduction: str = "",
        language: str = "fr",
        texts: dict[str, dict[str, object]] | None = None,
        bilingual: bool = False,
    ) -> IssueSummary:
        """A new draft. ``title``/``introduction`` are in ``language`` (the original);
        ``texts``: ``{"nl": {"title": …, "introduction": …}}`` per language, either."""
        language, main, other = translate.split_versions(
            language, {"title": title or "", "introduction": introduction}, texts or {}
        )
        with self.ctx.db.session() as session:
            issue = issues.draft_issue(
                session, self.ctx.settings, title=str(main.get("title") or "") or None,
                lists=lists, introduction=str(main.get("introduction") or ""),
                language=language, bilingual=bilingual,
            )  # fmt: skip
            if other:
                translate.set_issue_version(
                    issue, versions.other_language(language),
                    title=str(other.get("title", "")) or None,
                    introduction=str(other.get("introduction", "")) or None,
                )  # fmt: skip
            return IssueSummary.of(issue)

    def set_issue_version(
        self,
        issue_id: int,
        lang: str,
        *,
        title: str | None = None,
        introduction: str | None = None,
    ) -> IssueSummary:
        """One language's title and introduction of an issue (None: unchanged)."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.require_editable(issue)
            translate.set_issue_version(issue, lang, title=title, introduction=introduction)
            return IssueSummary.of(issue)

    def set_annex_label(self, issue_id: int, annex_id: int, lang: str, label: str) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.require_editable(issue)
            annex = next((a for a in issue.annexes if a.id == annex_id), None)
            if annex is None:
                raise NotFoundError(N_("No annex {id} in this issue."), id=annex_id)
            translate.set_annex_label(issue, annex, lang, label)
            return IssueSummary.of(issue)

    def set_annex_labels(self, issue_id: int, annex_id: int, labels: dict[str, str]) -> None:
        """An annex's labels per language at once (the original's empty: the file name;
        the other's empty: that version removed)."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.require_editable(issue)
            annex = next((a for a in issue.annexes if a.id == annex_id), None)
            if annex is None:
                raise NotFoundError(N_("No annex {id} in this issue."), id=annex_id)
            for lang, label in labels.items():
                if not label.strip() and lang == versions.original_language(issue):
                    label = annex.file.filename
                translate.set_annex_label(issue, annex, lang, label)

    def get_issue(self, issue_id: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            return IssueSummary.of(issues.get_issue(session, issue_id))

    def edit_issue(
        self,
        issue_id: int,
        *,
        title: str | None = None,
        introduction: str | None = None,
        lists: list[str] | None = None,
        public: bool | None = None,
        bilingual: bool | None = None,
        texts: dict[str, dict[str, str | None]] | None = None,
    ) -> IssueSummary:
        """Change an issue's texts and settings; ``texts``: the title and introduction of
        the other language (``{"nl": {"title": …, "introduction": …}}``; None: unchanged,
        "": removed)."""
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.set_texts(
                issue, title=title, introduction=introduction, lists=lists, public=public,
                bilingual=bilingual,
            )  # fmt: skip
            original = versions.original_language(issue)
            for lang, values in (texts or {}).items():
                if versions.check_language(lang) == original:
                    continue  # the original's texts are ``title`` and ``introduction``
                translate.set_issue_version(
                    issue, lang, title=values.get("title"), introduction=values.get("introduction")
                )
            return IssueSummary.of(issue)

    def add_issue_item(self, issue_id: int, news_id: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.add_item(session, issue, news.get_news(session, news_id))
            return IssueSummary.of(issue)

    def remove_issue_item(self, issue_id: int, news_id: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.remove_item(session, issue, news_id)
            return IssueSummary.of(issue)

    def move_issue_item(self, issue_id: int, news_id: int, position: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.move_item(session, issue, news_id, position)
            return IssueSummary.of(issue)

    def add_issue_annex(
        self, issue_id: int, upload: FileUpload, label: str = "", other_label: str = ""
    ) -> IssueSummary:
        """A document sent with the issue: a PDF, as every document (``intake.files``);
        ``label`` in the issue's original language, ``other_label`` in the other one."""
        filename, _declared, data = upload
        checked = FilePolicy.of(self.ctx.settings).document(filename, data)
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            annex = issues.add_annex(session, issue, checked, label)
            if other_label.strip():
                other = versions.other_language(versions.original_language(issue))
                translate.set_annex_label(issue, annex, other, other_label)
            return IssueSummary.of(issue)

    def remove_issue_annex(self, issue_id: int, annex_id: int) -> IssueSummary:
        with self.ctx.db.session() as session:
            issue = issues.get_issue(session, issue_id)
            issues.remove_annex(session, issue, annex_id)
            return IssueSummary.of(issue)

    # --- rendering -----------------------------------------------------------------------
    def prepare(self, issue_id: int) -> PreparedIssue:
        """The issue read once, ready to render variants (delivery and preview use it)."""
        with self.ctx.db.session() as session:
            return prepare_issue(session, self.ctx.settings, issue_id)

    def web_version_html(self, issue_id: int, language: str) -> str:
        """The issue's HTML as the archive shows it: the links of a web reader (no
        subscriber; unsubscribing points to the preferences help page)."""
        settings = self.ctx.settings
        base = settings.base_url.rstrip("/")
        variant = self.prepare(issue_id).web_variant(language, "none")
        values = Personalization(
            email=WEB_READER_EMAIL,
            name="",
            message_id=message_id(settings, issue_id, WEB_READER_ID),
            unsubscribe_url=f"{base}/preferences",
            preferences_url=f"{base}/preferences",
            web_url=links.web_version_url(settings, issue_id, language),
        )
        html, _text = decode_parts(variant.personalize(values))
        return html

    def preview(
        self,
        issue_id: int,
        *,
        language: str = "fr",
        membership: str = Membership.full.value,
        email: str = "lecteur@example.org",
    ) -> Preview:
        """What a sample recipient gets, through the same ``personalize`` as a send; a
        language other than fr or nl is refused."""
        language = versions.check_language(language)
        variant = self.prepare(issue_id).variant(language, membership)
        values = sample_personalization(
            self.ctx.settings, issue_id, variant.language, email, variant.rsvp_assembly_id
        )
        return preview(variant, values)

    def write_preview(self, issue_id: int, out: Path, **options: Any) -> list[Path]:
        return write_preview(self.preview(issue_id, **options), out)
