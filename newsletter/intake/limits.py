"""How long each text field of a news item may be, whatever door it comes through.

The limits are settings (``NEWS_MAX_BODY``, ``NEWS_MAX_LINE``, ``NEWS_MAX_LINK``). Text
over a limit is refused with a message that says which field and by how much; nothing
is cut silently. Checking happens before any rendering, so an oversized text costs no
Markdown parsing.
"""

from __future__ import annotations

from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.i18n import N_

#: message id per one-line field (each says which field is too long)
LINE_FIELDS = {
    "title": N_("The title is too long: {length} characters, {limit} at most."),
    "organisation": N_("The organisation name is too long: {length} characters, {limit} at most."),
    "sender": N_("The e-mail address is too long: {length} characters, {limit} at most."),
    "event_place": N_("The place is too long: {length} characters, {limit} at most."),
    "image_alt": N_(
        "The description of the image is too long: {length} characters, {limit} at most."
    ),
    "link_text": N_("The link text is too long: {length} characters, {limit} at most."),
    "reason": N_("The reason is too long: {length} characters, {limit} at most."),
}
BODY_TOO_LONG = N_("The text is too long: {length} characters, {limit} at most.")
LINK_TOO_LONG = N_("The link is too long: {length} characters, {limit} at most.")


def check_body(settings: Settings, body: str) -> None:
    if len(body) > settings.news_max_body:
        raise ValidationError(BODY_TOO_LONG, length=len(body), limit=settings.news_max_body)


def check_news_fields(
    settings: Settings, *, body: str | None = None, link: str = "", **lines: str
) -> None:
    """ValidationError when a field is over its limit. ``lines``: one-line fields by name
    (title, organisation, sender, event_place, image_alt, reason)."""
    if body is not None:
        check_body(settings, body)
    if len(link.strip()) > settings.news_max_link:
        raise ValidationError(LINK_TOO_LONG, length=len(link), limit=settings.news_max_link)
    for name, value in lines.items():
        # the reason to a partner may span lines; it still gets the body's limit
        limit = settings.news_max_body if name == "reason" else settings.news_max_line
        if len(value.strip()) > limit:
            raise ValidationError(LINE_FIELDS[name], length=len(value.strip()), limit=limit)
