"""The confirmation e-mail of an answer to an AG invitation (RSVP).

Plain text in the reader's language: what was recorded, when (Europe/Brussels) and where
the AG takes place in the reader's version of its texts, the link to change the answer,
and the calendar entry (.ics) for those who come. It leaves through the notices' one path
(``NoticesService.send_raw``).
"""

from __future__ import annotations

from email.message import EmailMessage
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from newsletter import links, moments, versions
from newsletter.config import Settings
from newsletter.editorial.ics import assembly_ics, ics_filename
from newsletter.i18n import gettext, known_language, ngettext
from newsletter.models import RsvpChoice
from newsletter.render.greeting import greeting
from newsletter.service.notices import build_notice
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.editorial import Assembly
from newsletter.text import one_line


def _answer_line(lang: str, choice: RsvpChoice, people: int, holder: str) -> str:
    if choice is RsvpChoice.yes:
        return ngettext(
            lang, "You will come ({n} person).", "You will come ({n} people).", people
        ).format(n=people)
    if choice is RsvpChoice.proxy:
        if holder:
            return gettext(lang, "Your organisation gives its proxy to {holder}.").format(
                holder=holder
            )
        return gettext(lang, "Your organisation gives its proxy.")
    return gettext(lang, "You will not come.")


def rsvp_confirmation(
    settings: Settings,
    assembly: Assembly,
    subscriber: Subscriber,
    choice: RsvpChoice,
    *,
    people: int = 1,
    holder: Organisation | None = None,
) -> EmailMessage:
    """The e-mail that confirms ``subscriber``'s recorded answer, in their language."""
    lang = known_language(getattr(subscriber.language, "value", subscriber.language))
    shown = versions.shown_language(assembly, lang)
    title = one_line(str(versions.field_in(assembly, "title", shown)), 300)
    place = one_line(str(versions.pick(assembly, "place", shown)), 500)
    when = moments.event_span(assembly.starts_at, assembly.ends_at, settings.timezone, lang)
    day = format_datetime(
        assembly.starts_at.astimezone(ZoneInfo(settings.timezone)), "d MMMM y", locale=lang
    )
    lines = [
        greeting(lang, subscriber.name),  # the newsletter's greeting
        "",
        gettext(lang, "We have recorded your answer to the invitation to “{title}”:").format(
            title=title
        ),
        "",
        _answer_line(lang, choice, people, one_line(holder.name, 200) if holder else ""),
        "",
        f"{gettext(lang, 'When:')} {when}",
    ]
    if place:
        lines.append(f"{gettext(lang, 'Where:')} {place}")
    if assembly.video_url:
        lines.append(f"{gettext(lang, 'Video call:')} {assembly.video_url}")
    lines += [
        "",
        gettext(lang, "To change your answer, open your personal link:"),
        links.rsvp_url(settings, assembly.id, subscriber.id),
    ]
    if choice is RsvpChoice.yes:
        lines += [
            "",
            gettext(
                lang,
                "The calendar entry ({file}) is attached: open it to add the assembly to "
                "your calendar.",
            ).format(file=ics_filename(assembly, settings, lang)),
        ]
    subject = gettext(lang, "Your answer to the assembly of {day}").format(day=day)
    message = build_notice(settings, subscriber.email, subject, "\n".join(lines) + "\n", lang)
    if choice is RsvpChoice.yes:
        message.add_attachment(
            assembly_ics(assembly, settings, lang),
            maintype="text",
            subtype="calendar",
            filename=ics_filename(assembly, settings, lang),
            params={"method": "PUBLISH"},
        )
    message["Content-Language"] = lang  # after the attachment: it would move to the text part
    return message
