"""News from partners through the web form, and the coordinator's moderation around it.

Uploads are checked here before they reach the queue: images are re-encoded with
Pillow (which drops anything hidden in the file and their metadata), documents must be
real PDFs. Submissions are rate-limited per IP address and per personal link. The
partner is told by e-mail when an item is received, rejected or needs changes.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, UnidentifiedImageError

from newsletter.context import Context
from newsletter.errors import InvalidTransitionError, ValidationError
from newsletter.i18n import N_
from newsletter.intake.limits import check_news_fields
from newsletter.models import FileUpload, Language, NewsSource, NewsStatus
from newsletter.service.editorial import EditorialService
from newsletter.service.moderation import ModerationAction, ModerationService, tell_partner
from newsletter.service.notices import NoticesService
from newsletter.service.ratelimit import RateLimiter
from newsletter.service.results import NewsSummary
from newsletter.store.editorial import NewsItem
from newsletter.text import one_line, to_safe_html

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_SIDE = 1600
MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_FILES = 3
SUBMISSIONS_PER_IP_HOUR = 20
SUBMISSIONS_PER_LINK_HOUR = 10
#: previews of the submission form per IP address and hour (each one renders Markdown)
PREVIEWS_PER_IP_HOUR = 60
EDITABLE = (NewsStatus.pending, NewsStatus.changes_requested, NewsStatus.approved)


@dataclass
class NewsForm:
    """The fields of a news item as typed in a form."""

    title: str
    body: str
    category: str
    sender: str
    organisation: str = ""
    link: str = ""
    language: str = "fr"
    event_start: datetime | None = None
    event_end: datetime | None = None
    event_place: str = ""
    image_alt: str = ""


def reencode_image(filename: str, data: bytes) -> FileUpload:
    """A clean JPEG or PNG of an uploaded image, at most MAX_IMAGE_SIDE pixels wide."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(N_("The image is too large (8 MB at most)."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            N_("The image could not be read: send a JPEG, PNG, GIF or WebP file.")
        ) from error
    if image.format not in ("JPEG", "PNG", "GIF", "WEBP"):
        raise ValidationError(
            N_("The image could not be read: send a JPEG, PNG, GIF or WebP file.")
        )
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    stem = (filename.rsplit(".", 1)[0] or "image")[:100]
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and image.format != "JPEG":
        image.convert("RGBA").save(out, "PNG", optimize=True)
        return f"{stem}.png", "image/png", out.getvalue()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return f"{stem}.jpg", "image/jpeg", out.getvalue()


def check_pdf(filename: str, data: bytes) -> FileUpload:
    if len(data) > MAX_PDF_BYTES:
        raise ValidationError(N_("{name} is too large (10 MB at most)."), name=filename)
    if not data.startswith(b"%PDF-"):
        raise ValidationError(N_("{name} is not a PDF file: only PDFs are accepted."),
                              name=filename)  # fmt: skip
    name = filename if filename.lower().endswith(".pdf") else f"{filename}.pdf"
    return name, "application/pdf", data


class SubmissionsService:
    def __init__(
        self,
        ctx: Context,
        editorial: EditorialService,
        notices: NoticesService,
        limits: RateLimiter,
        moderation: ModerationService,
    ) -> None:
        self.ctx = ctx
        self.editorial = editorial
        self.notices = notices
        self.moderation = moderation
        self.limits = limits

    def preview_body(self, body: str) -> str:
        """A partner's Markdown as it will appear in the issue (the form's preview)."""
        return to_safe_html(body, "markdown")

    def check_rate(self, ip: str, link_key: str | None) -> None:
        hour = timedelta(hours=1)
        if self.limits.exceeded("submit-ip", ip, SUBMISSIONS_PER_IP_HOUR, hour) or (
            link_key is not None
            and self.limits.exceeded("submit-link", link_key, SUBMISSIONS_PER_LINK_HOUR, hour)
        ):
            raise ValidationError(
                N_("Too many submissions in the last hour. Please try again later.")
            )

    def preview(self, body: str, title: str = "", *, ip: str) -> str:
        """The safe HTML of a text as it will appear, for the form's preview button.

        Limited per IP address like submissions, and refused over the length limit
        before anything is rendered."""
        hour = timedelta(hours=1)
        if self.limits.exceeded_then_hit("preview-ip", ip, PREVIEWS_PER_IP_HOUR, hour):
            raise ValidationError(N_("Too many previews in the last hour. Please try again later."))
        check_news_fields(self.ctx.settings, body=body, title=title)
        return to_safe_html(body, "markdown")

    def submit(
        self,
        form: NewsForm,
        *,
        ip: str,
        organisation_id: int | None = None,
        image: tuple[str, bytes] | None = None,
        files: list[tuple[str, bytes]] | None = None,
    ) -> NewsSummary:
        """A news item from a partner's link (``organisation_id``) or the public form."""
        link_key = str(organisation_id) if organisation_id is not None else None
        self.check_rate(ip, link_key)
        if "@" not in form.sender:
            raise ValidationError(N_("Give your e-mail address: we will tell you what happens."))
        if not form.body.strip():
            raise ValidationError(N_("The text of the news item is empty."))
        uploads = [check_pdf(name, data) for name, data in (files or []) if data]
        if len(uploads) > MAX_FILES:
            raise ValidationError(N_("At most {n} documents."), n=MAX_FILES)
        clean_image = reencode_image(*image) if image and image[1] else None
        public = organisation_id is None
        summary = self.editorial.submit_news(
            title=form.title,
            body=form.body,
            body_format="markdown",
            organisation=form.organisation,
            organisation_id=organisation_id,
            sender=form.sender,
            category=form.category,
            source=NewsSource.public_form if public else NewsSource.form,
            language=form.language,
            attachments=uploads,
            image=clean_image,
            image_alt=form.image_alt,
            link=form.link,
            event_start=form.event_start,
            event_end=form.event_end,
            event_place=form.event_place,
            note="Proposée par le formulaire public (pas un membre)" if public else "",
            actor=form.sender,
        )
        self.limits.hit("submit-ip", ip)
        if link_key is not None:
            self.limits.hit("submit-link", link_key)
        tell_partner(self.notices, form.sender, form.language, "received", form.title)
        return summary

    def add_by_coordinator(
        self,
        form: NewsForm,
        *,
        actor: str,
        organisation_id: int | None = None,
        image: tuple[str, bytes] | None = None,
        files: list[tuple[str, bytes]] | None = None,
        approve: bool = False,
    ) -> NewsSummary:
        """A news item typed by the coordinator (received by phone, a flyer…)."""
        if not form.body.strip():
            raise ValidationError(N_("The text of the news item is empty."))
        uploads = [check_pdf(name, data) for name, data in (files or []) if data]
        clean_image = reencode_image(*image) if image and image[1] else None
        summary = self.editorial.submit_news(
            title=form.title, body=form.body, body_format="markdown",
            organisation=form.organisation, organisation_id=organisation_id,
            sender=form.sender or actor, category=form.category,
            source=NewsSource.coordinator, language=form.language, attachments=uploads,
            image=clean_image, image_alt=form.image_alt, link=form.link,
            event_start=form.event_start, event_end=form.event_end,
            event_place=form.event_place, actor=actor,
        )  # fmt: skip
        if approve:
            summary = self.moderation.moderate(summary.id, ModerationAction.approve, by=actor)
        return summary

    # --- moderation ----------------------------------------------------------------------
    def edit(self, news_id: int, form: NewsForm, *, actor: str) -> None:
        """The coordinator's corrections before approving (title, text, dates…)."""
        with self.ctx.db.session() as session:
            item = session.get(NewsItem, news_id)
            if item is None:
                raise ValidationError(N_("No news item with id {id}."), id=news_id)
            if item.status not in EDITABLE:
                raise InvalidTransitionError(
                    N_("News item {id} cannot be edited any more."), id=news_id
                )
            check_news_fields(
                self.ctx.settings, body=form.body, link=form.link, title=form.title,
                event_place=form.event_place, image_alt=form.image_alt,
            )  # fmt: skip
            title = one_line(form.title, 300)
            if not title:
                raise ValidationError(N_("A news item needs a title."))
            if form.category not in self.ctx.settings.categories:
                raise ValidationError(N_("Unknown category {category}; choose one of: {choices}."),
                                      category=form.category,
                                      choices=", ".join(self.ctx.settings.categories))  # fmt: skip
            if form.event_start and form.event_end and form.event_end < form.event_start:
                raise ValidationError(N_("The event ends before it starts."))
            item.title = title
            item.body_source = form.body
            item.body_html = to_safe_html(form.body, "markdown")
            item.category = form.category
            item.link = one_line(form.link, 1000)
            item.event_start = form.event_start
            item.event_end = form.event_end
            item.event_place = one_line(form.event_place, 300)
            item.image_alt = one_line(form.image_alt, 300)
            if form.language in ("fr", "nl"):
                item.language = Language(form.language)
            log.info("news %s edited by %s", news_id, actor)
