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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parseaddr
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from markupsafe import Markup

from newsletter.config import Settings
from newsletter.errors import ConfigurationError, NewsletterError, RenderError
from newsletter.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Msg, gettext
from newsletter.models import Membership
from newsletter.render.clicks import track_links
from newsletter.render.contract import Personalization, Spliced
from newsletter.render.mime import MessagePiece, annex_part, layout
from newsletter.render.splice import Markers, Slot
from newsletter.render.splicer import VariantSplice
from newsletter.text import one_line
from newsletter.versions import FALLBACK_NOTES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsletter.render.model import AnnexView, IssueView

# Jinja2, premailer and the issue model load when a variant is rendered: a process that
# only splices prepared variants (the sender, see ``service.variants``) never loads them.

MEMBER_KINDS = frozenset({Membership.full.value, Membership.associate.value})
#: the variant block of an AG issue for each membership kind (others read "public")
ASSEMBLY_BLOCKS = {kind: kind for kind in MEMBER_KINDS}

#: section headings of the default categories (other categories show their own name)
SECTION_TITLES = {
    "assemblies": N_("General assembly"),
    "actualite": N_("News"),
    "agenda": N_("Events"),
    "emploi": N_("Job offers"),
    "appel-a-projets": N_("Calls for projects"),
    "formation": N_("Training"),
}


def section_title(lang: str, key: str) -> str:
    if key in SECTION_TITLES:
        return gettext(lang, SECTION_TITLES[key])
    return key.replace("-", " ").capitalize()


def list_id(settings: Settings) -> str:
    """``Name <local.domain>`` (RFC 2919), from LIST_ID or the From address."""
    _, address = parseaddr(settings.from_address)
    ident = settings.list_id or address.replace("@", ".") or "newsletter.invalid"
    return f"{one_line(settings.organisation_name, 100)} <{ident}>"


def unsubscribe_mailto(settings: Settings) -> str:
    _, address = parseaddr(settings.from_address)
    return f"mailto:{address}?subject=unsubscribe"


def _short_slot_lines(html: str, markers: Markers) -> str:
    """End the line after an attribute holding a placeholder (the inlined styles follow).

    Lines with per-recipient values are encoded per recipient: short ones cost less.
    A line break between attributes is plain HTML whitespace.
    """
    attribute = re.compile(rf'(="QZSLOT[A-Z]+{markers.nonce}QZ")(?=[\s>])')
    return attribute.sub("\\1\n", html)


@dataclass(frozen=True)
class Edition:
    """One language edition of the content, rendered in its own language."""

    lang: str
    #: the title shown and the language it is in (the fallback's when there is no version)
    title: str
    title_lang: str
    html: Markup
    text: str


def _own_items(view: IssueView) -> IssueView:
    from newsletter.render.model import SectionView

    sections = []
    for section in view.sections:
        own = tuple(item for item in section.items if not item.fallback)
        if own:
            sections.append(SectionView(section.key, own))
    return replace(view, sections=tuple(sections))


def _calendars_as(edition: IssueView, view: IssueView) -> IssueView:
    """``edition`` naming the calendar files as ``view`` (the reader's) attaches them: the
    bilingual e-mail carries one set of files, in the reader's language."""
    names = {ag.id: ag.ics_filename for ag in view.assemblies}
    calendars = tuple(a for a in view.annexes if a.content_type == "text/calendar")
    return replace(
        edition,
        assemblies=tuple(
            replace(ag, ics_filename=names.get(ag.id, ag.ics_filename)) for ag in edition.assemblies
        ),
        annexes=(*(a for a in edition.annexes if a.content_type != "text/calendar"), *calendars),
    )


def subject_of(views: Sequence[IssueView]) -> str:
    """The subject: the reader's title; both titles in the bilingual edition."""
    titles: list[str] = []
    for view in views:
        if view.title not in titles:
            titles.append(view.title)
    return " / ".join(titles)


def _edition(settings: Settings, view: IssueView, block: str, context: dict[str, object],
             show_rsvp: bool) -> Edition:  # fmt: skip
    from newsletter.render.templating import environment

    env = environment(settings.templates_dir.resolve(), view.language, settings.timezone)
    values = {
        **context,
        "issue": view,
        "lang": view.language,
        "show_rsvp": show_rsvp,
        "section_title": lambda key: section_title(view.language, key),
        "annexes": view.annexes_for(block),
        "attached": [annex for annex in view.annexes_for(block) if annex.attached],
        "linked": [annex for annex in view.annexes_for(block) if not annex.attached],
        "blocks_at": lambda place: view.blocks_at(place, block),
    }
    html = Markup(env.get_template("issue_content.html").render(values))  # noqa: S704 - rendered with autoescape
    text = env.get_template("issue_content.txt").render(values)
    return Edition(view.language, view.title, view.text_language, html, text)


@dataclass(frozen=True)
class RenderedVariant:
    """The finished HTML (CSS inlined) and text of a variant, with placeholders."""

    language: str
    block: str
    html: str
    text: str
    #: the placeholder words of this render (with their nonce)
    markers: Markers


def render_variant(
    settings: Settings,
    view: IssueView,
    language: str,
    block: str,
    editions: Sequence[IssueView] = (),
) -> RenderedVariant:
    """Jinja2 + premailer for one variant (the expensive step, done once per variant).

    ``view`` is the reader's language version; ``editions``, when given, the views the
    e-mail shows one after the other (the bilingual edition), else ``view`` alone."""
    from newsletter.render.inline import inline_css
    from newsletter.render.templating import environment

    env = environment(settings.templates_dir.resolve(), language, settings.timezone)
    markers = Markers.new()
    shown = tuple(editions) or (view,)
    if len(shown) > 1:
        # both editions side by side: a news item shows in the editions it is written in
        # one set of files goes with the e-mail: each edition names the reader's
        shown = tuple(_own_items(_calendars_as(edition, view)) for edition in shown)
    shared: dict[str, object] = {
        "block": block,
        "member": block in MEMBER_KINDS,
        "slot": markers.context(),
        "organisation_name": settings.organisation_name_in(language),
        "fallback_notes": FALLBACK_NOTES,
    }
    parts = [
        _edition(settings, edition, block, shared, show_rsvp=number == 0)
        for number, edition in enumerate(shown)
    ]
    context = {
        **shared,
        "issue": view,
        "editions": parts,
        "subject": subject_of(shown),
        "section_title": lambda key: section_title(language, key),
        "attached": [annex for annex in view.annexes_for(block) if annex.attached],
        "linked": [annex for annex in view.annexes_for(block) if not annex.attached],
    }
    html = _short_slot_lines(inline_css(env.get_template("issue.html").render(context)), markers)
    text = env.get_template("issue.txt").render(context)
    if settings.click_counting:
        person = markers.words[Slot.click_person] if settings.click_tracking_individual else ""
        html, text = track_links(settings, view.id, html, text, nonce=markers.nonce, person=person)
    unsubscribe = markers.words[Slot.unsubscribe_url]
    for name, body in (("issue.html", html), ("issue.txt", text)):
        if unsubscribe not in body:
            raise ConfigurationError(
                N_("The template {name} must show the unsubscribe link ({slot})."),
                name=name,
                slot="{{ slot.unsubscribe_url }}",
            )
    return RenderedVariant(language, block, html, text, markers)


@dataclass
class PreparedVariant:
    """One rendered variant; ``personalize`` gives a recipient's bytes (a PreparedMessage)."""

    language: str
    block: str
    subject: str
    rendered: RenderedVariant
    segments: list[MessagePiece] = field(repr=False)
    greeting_named: str
    greeting_plain: str
    mailto: str
    #: the AG whose answer link (``Personalization.rsvp_url``) the invitation shows
    rsvp_assembly_id: int | None = None

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def text(self) -> str:
        return self.rendered.text

    def __post_init__(self) -> None:
        self._splice = VariantSplice(
            self.segments, self.greeting_named, self.greeting_plain, self.mailto
        )

    def personalize(self, values: Personalization) -> bytes:
        """The exact bytes one recipient gets (CRLF line ends, ready for SMTP DATA)."""
        return b"".join(self._splice(values).pieces)

    def splice(self, values: Personalization) -> Spliced:
        """The message of one recipient as pieces (``personalize`` joins them); see
        ``splicer.VariantSplice``."""
        return self._splice(values)


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

    def _prepare(self, language: str, block: str) -> PreparedVariant:
        settings = self.settings
        view = self.views.get(language, self.view)
        editions = self.editions(language)
        rendered = render_variant(settings, view, language, block, editions)
        subject = subject_of(editions)
        headers = [("From", settings.from_address)]
        if settings.reply_to:
            headers.append(("Reply-To", settings.reply_to))
        segments = layout(
            headers_before_to=headers,
            subject=subject,
            date=format_datetime(self.date),
            list_id=list_id(settings),
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
            greeting_named=gettext(language, "Hello {name},"),
            greeting_plain=gettext(language, "Hello,"),
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
