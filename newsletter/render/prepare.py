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
from newsletter.render.contract import Personalization, Spliced, dot_stuffed
from newsletter.render.greeting import Greeting
from newsletter.render.mime import BodyBlock, BodyLine, HeaderMark, MessagePiece, annex_part, layout
from newsletter.render.splice import (
    CRLF,
    MAX_LINE,
    LineTemplate,
    Markers,
    Slot,
    address_header,
    check_click_person,
    clean_name,
    list_unsubscribe_header,
    message_id_header,
    qp_fit,
    text_forms,
    url_forms,
)
from newsletter.text import one_line
from newsletter.versions import FALLBACK_NOTES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsletter.render.model import AnnexView, IssueView

#: what quoted-printable encodes at the end of a line (``qp_fit``); "" is not one
WHITESPACE = (" ", "\t")

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


def list_id(settings: Settings, language: str = "fr") -> str:
    """``Name <local.domain>`` (RFC 2919), from LIST_ID or the From address: the id is
    the same in every language, the phrase names the network in the reader's."""
    _, address = parseaddr(settings.from_address)
    ident = settings.list_id or address.replace("@", ".") or "newsletter.invalid"
    return f"{one_line(settings.organisation_name_in(language), 100)} <{ident}>"


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
        # on the web nothing is attached: the AG's calendar is the network's, downloaded
        "calendar_url": f"{settings.base_url.rstrip('/')}/feeds/agenda.ics?lang={view.language}",
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
    *,
    web: bool = False,
) -> RenderedVariant:
    """Jinja2 + premailer for one variant (the expensive step, done once per variant).

    ``view`` is the reader's language version; ``editions``, when given, the views the
    e-mail shows one after the other (the bilingual edition), else ``view`` alone.
    ``web``: the web version (the templates' ``web`` flag), which attaches nothing and
    links the calendar instead."""
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
        "web": web,
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
    #: the greeting's forms in the variant's language (``render.greeting``)
    greeting: Greeting
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
        # the segments as one list of bytes, with the indexes where a recipient's values go
        self._parts: list[bytes] = []
        self._to = self._message_id = self._unsubscribe = -1
        #: (index, line, is in the HTML part)
        self._lines: list[tuple[int, LineTemplate, bool]] = []
        #: (index, encoded lines) kept for a recipient with an RSVP link
        self._rsvp_blocks: list[tuple[int, bytes]] = []
        #: lines whose only value is the web version's link (the same for every reader of a
        #: language): encoded once per link, kept in ``_web_lines`` with the link's forms
        self._web_only: list[tuple[int, LineTemplate, bool]] = []
        self._web_lines: dict[str, tuple[str, str, list[tuple[int, bytes]]]] = {}
        for segment in self.segments:
            index = len(self._parts)
            self._parts.append(b"")
            if type(segment) is bytes:
                self._parts[index] = segment
            elif type(segment) is BodyLine:
                template = segment.template
                slots = {piece for piece in template.pieces if isinstance(piece, Slot)}
                if slots == {Slot.web_url} and template.when is None:
                    self._web_only.append((index, template, segment.html))
                else:
                    self._lines.append((index, template, segment.html))
            elif type(segment) is BodyBlock:
                if segment.when is not Slot.rsvp_url:
                    raise ValueError(f"no conditional block on {segment.when}")
                self._rsvp_blocks.append((index, segment.data))
            elif segment is HeaderMark.to:
                self._to = index
            elif segment is HeaderMark.message_id:
                self._message_id = index
            else:
                self._unsubscribe = index
        if min(self._to, self._message_id, self._unsubscribe) < 0:
            raise ValueError("a message layout without its To, Message-ID or List-Unsubscribe")
        for _index, line, _html in self._lines:
            if line.when not in (None, Slot.rsvp_url):
                raise ValueError(f"no conditional line on {line.when}")
        #: lines with one value: (index, prefix, position of the value, suffix, kept only
        #: with an RSVP link); other lines: (index, positional pattern, kept only with…)
        #: (``LineTemplate.compiled``)
        self._single: list[tuple[int, str, int, str, bool]] = []
        self._patterns: list[tuple[int, str, bool]] = []
        for index, line, is_html in self._lines:
            compiled = line.compiled(is_html)
            if isinstance(compiled, str):
                self._patterns.append((index, compiled, line.when is not None))
            else:
                self._single.append((index, *compiled, line.when is not None))
        #: the pieces of a recipient's own (their values, the RSVP blocks), the same for all
        self._own = tuple(
            index for index, segment in enumerate(self.segments) if type(segment) is not bytes
        )
        for piece in [*self._parts, *(data for _index, data in self._rsvp_blocks)]:
            if piece and not _whole_crlf_lines(piece):
                raise ValueError("a message piece that is not whole CRLF lines")
        #: the pieces as they go after SMTP DATA, dot-stuffed once for every reader
        self._stuffed = tuple(dot_stuffed(piece) for piece in self._parts)

    def _web_version(self, url: str) -> tuple[str, str, list[tuple[int, bytes]]]:
        """The forms of a web version link (checked) and the lines that only hold it."""
        html_form, text_form = url_forms(url)
        forms = {"web_url": html_form}, {"web_url": text_form}
        pieces = [
            (index, line.encode(forms[0] if is_html else forms[1]))
            for index, line, is_html in self._web_only
        ]
        if len(self._web_lines) >= 8:
            self._web_lines.clear()
        found = self._web_lines[url] = (html_form, text_form, pieces)
        return found

    def personalize(self, values: Personalization) -> bytes:
        """The exact bytes one recipient gets (CRLF line ends, ready for SMTP DATA)."""
        return b"".join(self.splice(values).pieces)

    def splice(self, values: Personalization) -> Spliced:
        """The message of one recipient as pieces (``personalize`` joins them).

        Every value is checked or escaped for where it goes: links by ``url_forms``
        (refused unless plain printable ASCII), the greeting escaped for HTML, the
        headers built by the ``splice`` header functions; then put in quoted-printable
        form once, whatever the number of lines that show it.
        """
        name = clean_name(values.name)
        greeting = self.greeting.to(name)
        unsubscribe = values.unsubscribe_url
        html_unsubscribe, text_unsubscribe = url_forms(unsubscribe)
        html_preferences, text_preferences = url_forms(values.preferences_url)
        rsvp = values.rsvp_url
        html_rsvp, text_rsvp = url_forms(rsvp) if rsvp else ("", "")
        # the web version's link is the same for every reader of a language: its forms
        # and its lines are made once per link (the link checked then)
        web = values.web_url
        web_lines = self._web_lines.get(web)
        if web_lines is None:
            web_lines = self._web_version(web)
        html_web, text_web, web_pieces = web_lines
        # "~" and URL-safe characters: the same in both parts, nothing to escape or quote
        person = check_click_person(values.click_person)
        html_greeting, text_greeting = text_forms(greeting)
        # in the order of ``SLOT_ORDER``: the HTML part's forms, then the text part's
        forms = (
            html_greeting,
            html_unsubscribe,
            html_preferences,
            html_web,
            html_rsvp,
            person,
            text_greeting,
            text_unsubscribe,
            text_preferences,
            text_web,
            text_rsvp,
            person,
        )
        out = self._parts.copy()
        for index, data in web_pieces:
            out[index] = data
        for index, head, position, tail, only_rsvp in self._single:
            if rsvp or not only_rsvp:
                line = head + forms[position] + tail
                if len(line) > MAX_LINE or line[-1:] in WHITESPACE:  # cut by qp_fit
                    line = qp_fit(line)
                out[index] = (line + CRLF).encode("ascii")
        for index, pattern, only_rsvp in self._patterns:
            if rsvp or not only_rsvp:
                out[index] = (qp_fit(pattern.format(*forms)) + CRLF).encode("ascii")
        if rsvp:
            for index, data in self._rsvp_blocks:
                out[index] = data
        out[self._to] = address_header("To", name, values.email, clean=True)
        out[self._message_id] = message_id_header(values.message_id)
        out[self._unsubscribe] = list_unsubscribe_header(unsubscribe, self.mailto)
        return Spliced(out, self._stuffed, self._own)


def _whole_crlf_lines(piece: bytes) -> bool:
    """Whether ``piece`` ends with CRLF and has no other CR or LF than its line ends."""
    ends = piece.count(b"\r\n")
    return piece.endswith(b"\r\n") and ends == piece.count(b"\n") == piece.count(b"\r")


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
