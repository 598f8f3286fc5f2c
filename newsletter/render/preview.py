"""Preview and test sends: a sample recipient through the very same ``personalize``.

``sample_personalization`` makes the per-recipient values of a sample reader (signed
links for subscriber id 0, which no real subscriber has); ``preview_files`` writes
``issue.eml`` (the bytes), and ``issue.html`` / ``issue.txt`` decoded back from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from newsletter.config import Settings
from newsletter.i18n import gettext
from newsletter.links import (
    click_person,
    preferences_url,
    rsvp_url,
    unsubscribe_url,
    web_version_url,
)
from newsletter.message_ids import message_id as message_id
from newsletter.render.contract import Personalization
from newsletter.render.prepared import PreparedVariant

SAMPLE_SUBSCRIBER_ID = 0


def personalization_for(
    settings: Settings,
    issue_id: int,
    subscriber_id: int,
    email: str,
    name: str,
    assembly_id: int | None = None,
    language: str = "",
) -> Personalization:
    """The per-recipient values of a subscriber (what a send computes per recipient).

    ``assembly_id`` is ``PreparedVariant.rsvp_assembly_id``: with it, the AG invitation
    carries the recipient's answer link.
    """
    return Personalization(
        email=email,
        name=name,
        message_id=message_id(settings, issue_id, subscriber_id),
        unsubscribe_url=unsubscribe_url(settings, subscriber_id, issue_id),
        preferences_url=preferences_url(settings, subscriber_id),
        web_url=web_version_url(settings, issue_id, language),
        rsvp_url=rsvp_url(settings, assembly_id, subscriber_id) if assembly_id else "",
        click_person=click_person(settings, issue_id, subscriber_id) if tracks(settings) else "",
    )


def tracks(settings: Settings) -> bool:
    """Each reader's counted links say who they are (individual click tracking)."""
    return settings.click_counting and settings.click_tracking_individual


def sample_personalization(
    settings: Settings,
    issue_id: int,
    language: str,
    email: str = "lecteur@example.org",
    assembly_id: int | None = None,
) -> Personalization:
    name = gettext(language, "Sample Reader")
    return personalization_for(
        settings, issue_id, SAMPLE_SUBSCRIBER_ID, email, name, assembly_id, language
    )


@dataclass(frozen=True)
class Preview:
    eml: bytes
    html: str
    text: str


def decode_parts(eml: bytes) -> tuple[str, str]:
    """The HTML and text bodies of a message, decoded (what a mail client shows)."""
    message = message_from_bytes(eml, _class=EmailMessage, policy=default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    html = html_part.get_content() if html_part is not None else ""
    text = text_part.get_content() if text_part is not None else ""
    return str(html), str(text)


def preview(variant: PreparedVariant, values: Personalization) -> Preview:
    eml = variant.personalize(values)
    html, text = decode_parts(eml)
    return Preview(eml=eml, html=html, text=text)


def write_preview(result: Preview, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "issue.eml", out / "issue.html", out / "issue.txt"]
    paths[0].write_bytes(result.eml)
    paths[1].write_text(result.html, encoding="utf-8")
    paths[2].write_text(result.text, encoding="utf-8")
    return paths
