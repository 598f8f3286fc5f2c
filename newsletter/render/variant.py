"""One variant of an issue rendered: Jinja2 over the templates, then the CSS inlined
(premailer), with the placeholders that ``PreparedVariant`` fills per recipient.

The expensive step, done once per variant (language × block, and the web version):
``render_variant`` renders each language edition the reader gets (``issue_content``),
then the whole e-mail (``issue``) around them. Jinja2, premailer and the issue model load
when a variant is rendered: a process that only splices prepared variants (the sender,
see ``service.variants``) never loads them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from markupsafe import Markup

from newsletter.config import Settings
from newsletter.errors import ConfigurationError
from newsletter.i18n import N_, gettext
from newsletter.models import Membership
from newsletter.render.clicks import track_links
from newsletter.render.splice import Markers, Slot
from newsletter.versions import FALLBACK_NOTES

if TYPE_CHECKING:
    from newsletter.render.model import IssueView

MEMBER_KINDS = frozenset({Membership.full.value, Membership.associate.value})

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
    from newsletter.render.templating import environment_for

    env = environment_for(settings, view.language)
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
    from newsletter.render.templating import environment_for

    env = environment_for(settings, language)
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
