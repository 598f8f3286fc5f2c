"""Render an issue once per variant and personalise it cheaply per recipient.

The interface the delivery stage (and preview, test send) calls:

- ``prepare_issue(session, settings, issue_id) -> PreparedIssue`` reads the issue once
  and encodes its annexes once (base64, shared by every variant).
- ``PreparedIssue.variant(language, membership) -> PreparedVariant``: rendered with
  Jinja2 and CSS-inlined with premailer the first time a variant key is asked for,
  then cached. The key is (language, block): when the issue announces an AG or has
  content for some readers only (a PV, a block: ``editorial.blocks.shown_to``), ``block``
  is the reader's membership kind (``"effectif"`` votes, ``"adherent"`` takes part without
  voting, ``"public"`` for everyone else), ``"all"`` otherwise. At most six variants,
  so the per-recipient cost stays one dictionary look-up and the splice. The reader's
  language picks the version of every text (``editorial.versions``); in the bilingual
  edition (``Issue.bilingual``) each variant holds both versions, French first, and
  the language still sets the interface words around them.
- ``PreparedVariant.personalize(Personalization) -> bytes``: the exact message bytes
  (CRLF) for one recipient, by splicing; see ``newsletter.render.splice``.

The concepts live apart: ``render.variant`` renders one variant (Jinja2 + premailer),
``render.prepared`` splices a rendered variant per recipient, ``render.greeting`` greets;
this module reads the issue and lays out each variant's message. The names of those
modules are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from newsletter.config import Settings
from newsletter.errors import NewsletterError, RenderError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Msg
from newsletter.models import Membership
from newsletter.render.greeting import Greeting
from newsletter.render.mime import annex_part, layout
from newsletter.render.prepared import PreparedVariant
from newsletter.render.variant import (
    MEMBER_KINDS,
    SECTION_TITLES,
    Edition,
    RenderedVariant,
    render_variant,
    section_title,
    subject_of,
)
from newsletter.text import one_line

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsletter.render.model import AnnexView, IssueView

__all__ = [
    "ASSEMBLY_BLOCKS",
    "MEMBER_KINDS",
    "SECTION_TITLES",
    "Edition",
    "PreparedIssue",
    "PreparedVariant",
    "RenderedVariant",
    "list_id",
    "prepare_issue",
    "render_error",
    "render_variant",
    "section_title",
    "subject_of",
    "unsubscribe_mailto",
]

#: the variant block of an AG issue for each membership kind (others read "public")
ASSEMBLY_BLOCKS = {kind: kind for kind in MEMBER_KINDS}


def list_id(settings: Settings, language: str = "fr") -> str:
    """``Name <local.domain>`` (RFC 2919), from LIST_ID or the From address: the id is
    the same in every language, the phrase names the network in the reader's."""
    _, address = parseaddr(settings.from_address)
    ident = settings.list_id or address.replace("@", ".") or "newsletter.invalid"
    return f"{one_line(settings.organisation_name_in(language), 100)} <{ident}>"


def unsubscribe_mailto(settings: Settings) -> str:
    _, address = parseaddr(settings.from_address)
    return f"mailto:{address}?subject=unsubscribe"


class PreparedIssue:
    """An issue read once, its annexes encoded once, its variants rendered on demand."""

    def __init__(
        self,
        settings: Settings,
        views: IssueView | dict[str, IssueView],
        *,
        date: datetime | None = None,
    ):
        self.settings = settings
        #: one view per reader language (a single view serves every language)
        self.views = views if isinstance(views, dict) else {lang: views for lang in LANGUAGES}
        self.view = self.views.get(DEFAULT_LANGUAGE) or next(iter(self.views.values()))
        self.date = (date or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone))
        # encoded once: a file both languages attach (a PV) is one part; only the calendar
        # entry (.ics) differs, its texts being in the reader's language
        self._encoded: dict[tuple[str, bytes], bytes] = {}
        self.annex_parts_by_language = {
            lang: [self._part(a) for a in view.annexes if a.attached]
            for lang, view in self.views.items()
        }
        self.annex_parts = [self._part(a) for a in self.view.annexes if a.attached]
        self._variants: dict[tuple[str, str], PreparedVariant] = {}
        self._web_variants: dict[tuple[str, str], PreparedVariant] = {}

    def _part(self, annex: AnnexView) -> bytes:
        key = (annex.filename, annex.data)
        if key not in self._encoded:
            self._encoded[key] = annex_part(annex)
        return self._encoded[key]

    def _annex_parts(self, language: str, block: str) -> list[bytes]:
        """The encoded annexes a reader of that language and variant block gets."""
        view = self.views.get(language, self.view)
        return [self._part(a) for a in view.annexes_for(block) if a.attached]

    @property
    def issue_id(self) -> int:
        return self.view.id

    def variant_key(self, language: str, membership: str) -> tuple[str, str]:
        lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
        if not self.view.assemblies and not any(v.limited for v in self.views.values()):
            return lang, "all"
        return lang, ASSEMBLY_BLOCKS.get(membership, "public")

    def variant(self, language: str, membership: str = Membership.none.value) -> PreparedVariant:
        """The variant for a reader; RenderError when it cannot be rendered."""
        key = self.variant_key(language, membership)
        prepared = self._variants.get(key)
        if prepared is None:
            try:
                prepared = self._prepare(*key)
            except Exception as error:
                raise render_error(self.view.id, key, error) from error
            self._variants[key] = prepared
        return prepared

    def web_variant(
        self, language: str, membership: str = Membership.none.value
    ) -> PreparedVariant:
        """The variant as the web version shows it (``web`` in the templates): the same
        texts, the calendar linked instead of attached; RenderError as ``variant``."""
        key = self.variant_key(language, membership)
        prepared = self._web_variants.get(key)
        if prepared is None:
            try:
                prepared = self._prepare(*key, web=True)
            except Exception as error:
                raise render_error(self.view.id, key, error) from error
            self._web_variants[key] = prepared
        return prepared

    def render_all(self, readers: Iterable[tuple[str, str]] | None = None) -> list[PreparedVariant]:
        """Every variant a send may use: each (language, membership) of ``readers``, or
        every language × membership kind. A send checks this before its first delivery,
        so a failure stops it with its reason."""
        wanted = readers or [(lang, kind.value) for lang in LANGUAGES for kind in Membership]
        return [self.variant(lang, kind) for lang, kind in wanted]

    def editions(self, language: str) -> tuple[IssueView, ...]:
        """The language versions a reader of ``language`` gets, in order."""
        if self.view.bilingual:
            return tuple(self.views[lang] for lang in LANGUAGES if lang in self.views)
        return (self.views.get(language, self.view),)

    def subject(self, language: str) -> str:
        return subject_of(self.editions(language))

    def _prepare(self, language: str, block: str, *, web: bool = False) -> PreparedVariant:
        settings = self.settings
        view = self.views.get(language, self.view)
        editions = self.editions(language)
        rendered = render_variant(settings, view, language, block, editions, web=web)
        subject = subject_of(editions)
        headers = [("From", settings.from_address_in(language))]
        if settings.reply_to:
            headers.append(("Reply-To", settings.reply_to))
        segments = layout(
            headers_before_to=headers,
            subject=subject,
            date=format_datetime(self.date),
            list_id=list_id(settings, language),
            text=rendered.text,
            html=rendered.html,
            annex_parts=self._annex_parts(language, block),
            boundary=f"=_newsletter-{self.view.id}-{language}-{block}",
            markers=rendered.markers,
        )
        return PreparedVariant(
            language=language,
            block=block,
            subject=subject,
            rendered=rendered,
            segments=segments,
            greeting=Greeting.of(language),
            mailto=unsubscribe_mailto(settings),
            rsvp_assembly_id=self.view.assemblies[0].id if self.view.assemblies else None,
        )


RENDER_FAILED = N_("Issue {issue} cannot be rendered ({variant}): {reason}")


def render_error(issue_id: int, key: tuple[str, str], error: Exception) -> RenderError:
    """A render failure with what a coordinator needs to fix it (a template, a text)."""
    reason: Msg | str
    if isinstance(error, NewsletterError):
        reason = error.msg
    else:
        reason = one_line(f"{type(error).__name__}: {error}", 500)
    return RenderError(RENDER_FAILED, issue=issue_id, variant="/".join(key), reason=reason)


def prepare_issue(session: Session, settings: Settings, issue_id: int) -> PreparedIssue:
    """Read an issue and its annexes once; render variants later, outside the session."""
    from newsletter.render.model import load_issue_views

    return PreparedIssue(settings, load_issue_views(session, settings, issue_id))
