"""News items: submission from any source, with an audit trail.

``submit_news`` is the single way a news item enters the queue (CLI, partner form,
e-mail intake, coordinator); its status then changes only through
``newsletter.editorial.news_status.transition_news`` (moderation, publication).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.normalize import name_key
from newsletter.config import Settings
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_, Msg
from newsletter.intake.limits import check_body, check_news_fields
from newsletter.models import FileUpload, Language, NewsSource, NewsStatus
from newsletter.store.audience import Organisation
from newsletter.store.editorial import NewsAttachment, NewsEvent, NewsItem, store_file
from newsletter.text import BodyFormat, one_line, to_safe_html
from newsletter.versions import check_language, relabel_original

S = NewsStatus
#: the statuses in which the coordinator may still correct an item

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_SPACES = re.compile(r"\s+")


def find_organisation(session: Session, name: str) -> Organisation | None:
    """The member organisation called ``name`` (ignoring case, accents and punctuation)."""
    key = name_key(name)
    if not key:
        return None
    return session.scalars(select(Organisation).where(Organisation.name_key == key)).first()


_LINK = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)


def check_link(link: str) -> str:
    """The one rule for a link a person gives (news item, every door): empty, or an
    ``http(s)://`` address without spaces or quotes; anything else (``javascript:``…) is
    refused."""
    link = link.strip()
    if link and (len(link) > 1000 or not _LINK.match(link)):
        raise ValidationError(N_("The link must start with http:// or https://: {link}"),
                              link=one_line(link, 200))  # fmt: skip
    return link


def _check_event(start: datetime | None, end: datetime | None) -> None:
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise ValidationError(N_("Event dates need a time zone."))
    if start and end and end < start:
        raise ValidationError(N_("The event ends before it starts."))


def check_fields(
    settings: Settings,
    *,
    title: str,
    category: str | None,
    language: Language | str,
    link: str,
    event_start: datetime | None,
    event_end: datetime | None,
) -> tuple[str, str, Language, str]:
    """The checks of what a person types about a news item, the same for a new item and
    an edit, whatever the door: (title, category, language, link) cleaned, or
    ValidationError."""
    clean_title = one_line(title, 300)
    if not clean_title:
        raise ValidationError(N_("A news item needs a title."))
    chosen_category = category or settings.categories[0]
    if chosen_category not in settings.categories:
        raise ValidationError(
            N_("Unknown category {category}; choose one of: {choices}."),
            category=chosen_category,
            choices=", ".join(settings.categories),
        )
    lang = Language(check_language(language))
    _check_event(event_start, event_end)
    return clean_title, chosen_category, lang, check_link(link)


def edit_news(
    settings: Settings,
    item: NewsItem,
    *,
    title: str,
    body: str,
    category: str | None,
    language: Language | str,
    link: str = "",
    event_start: datetime | None = None,
    event_end: datetime | None = None,
    event_place: str = "",
    image_alt: str = "",
    link_text: str = "",
) -> None:
    """Corrections, checked as a new item is (``check_fields``); whether this editor may
    still change the item is the caller's to check (``news_status.check_editable``)."""
    check_news_fields(
        settings, body=body, link=link, title=title, event_place=event_place,
        image_alt=image_alt, link_text=link_text,
    )  # fmt: skip
    clean_title, chosen_category, lang, clean_link = check_fields(
        settings, title=title, category=category, language=language, link=link,
        event_start=event_start, event_end=event_end,
    )  # fmt: skip
    item.title = clean_title
    item.body_source = body
    item.body_html = to_safe_html(body, "markdown")
    item.category = chosen_category
    item.link = clean_link
    item.event_start = event_start
    item.event_end = event_end
    item.event_place = one_line(event_place, 300)
    item.image_alt = one_line(image_alt, 300)
    item.link_text = one_line(link_text, 200)
    if lang != item.language:
        relabel_original(item, lang.value)


def submit_news(
    session: Session,
    settings: Settings,
    *,
    title: str,
    body: str,
    body_format: BodyFormat = "markdown",
    organisation_id: int | None = None,
    organisation_name: str = "",
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
    status: NewsStatus = NewsStatus.pending,
    actor: str = "",
) -> NewsItem:
    """Put a news item into the moderation queue and return it (flushed, with an id).

    The body is sanitised here whatever its source. ``organisation_name`` is looked up
    in the directory when no ``organisation_id`` is given; an unknown name is kept as
    text with a note for the coordinator. Attachments over ``intake_max_attachment``
    bytes are refused with a note instead of failing the submission. Fields over their
    length limit (``intake.limits``) are refused before any rendering.
    """
    check_news_fields(
        settings, body=None if body_format == "html" else body, link=link, title=title,
        organisation=organisation_name, sender=sender, event_place=event_place,
        image_alt=image_alt, link_text=link_text,
    )  # fmt: skip
    body_html = to_safe_html(body, body_format)
    if body_format == "html":
        check_body(settings, body_html)
    clean_title, chosen_category, lang, link = check_fields(
        settings, title=title, category=category, language=language, link=link,
        event_start=event_start, event_end=event_end,
    )  # fmt: skip
    found = list(notes)

    organisation: Organisation | None = None
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise NotFoundError(N_("No organisation with id {id}."), id=organisation_id)
    elif organisation_name.strip():
        organisation = find_organisation(session, organisation_name)
        if organisation is None:
            found.append(Msg(N_("Organisation not in the directory: {name}"),
                             {"name": one_line(organisation_name, 200)}))  # fmt: skip

    item = NewsItem(
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else one_line(organisation_name, 200),
        sender=one_line(sender, 320),
        title=clean_title,
        body_html=body_html,
        body_source=body,
        category=chosen_category,
        event_start=event_start,
        event_end=event_end,
        event_place=one_line(event_place, 300),
        link=check_link(link),
        link_text=one_line(link_text, 200),
        image_alt=one_line(image_alt, 300),
        language=lang,
        source=source,
        status=status,
    )
    limit = settings.intake_max_attachment
    for position, (filename, content_type, data) in enumerate(attachments):
        name = one_line(filename, 255) or "annexe"
        if len(data) > limit:
            found.append(Msg(N_("Attachment refused (too large, {size} bytes): {name}"),
                             {"size": len(data), "name": name}))  # fmt: skip
            continue
        stored = store_file(session, name, one_line(content_type, 100), data)
        item.attachments.append(NewsAttachment(file_id=stored.id, position=position))
    if image is not None:
        filename, content_type, data = image
        if content_type not in IMAGE_TYPES:
            found.append(Msg(N_("Image refused (type {type}): {name}"),
                             {"type": one_line(content_type, 100), "name": filename}))  # fmt: skip
        elif len(data) > limit:
            found.append(Msg(N_("Image refused (too large, {size} bytes): {name}"),
                             {"size": len(data), "name": filename}))  # fmt: skip
        else:
            item.image_id = store_file(session, one_line(filename, 255), content_type, data).id
            if not item.image_alt:
                item.image_alt = clean_title
    for message in found:
        item.add_note(message)
    item.events.append(NewsEvent(from_status="", to_status=status.value, actor=actor))
    session.add(item)
    session.flush()
    return item


def get_news(session: Session, news_id: int) -> NewsItem:
    item = session.get(NewsItem, news_id)
    if item is None:
        raise NotFoundError(N_("No news item with id {id}."), id=news_id)
    return item


def list_news(session: Session, status: NewsStatus | None = None) -> list[NewsItem]:
    query = select(NewsItem).order_by(NewsItem.id)
    if status is not None:
        query = query.where(NewsItem.status == status)
    return list(session.scalars(query))
