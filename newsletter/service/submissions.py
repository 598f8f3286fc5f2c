"""News from partners through the web form, and the coordinator's moderation around it.

Uploads are checked by ``service.editorial.submit_news`` with the one file policy of
``intake.files`` (images re-encoded, documents real PDFs), as from every door.
Submissions are rate-limited per client, per personal link and per sender address, in
one locked step (``RateLimiter.exceeded_then_hit_all``) taken before the item is
stored. The sender is told by e-mail that an item was received, with its reference and
none of the text they typed (the form sends mail to any address typed in it);
moderation (``service.moderation``) tells them of a rejection or a request for changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from newsletter import versions
from newsletter.context import Context
from newsletter.editorial import translate
from newsletter.editorial.news_status import Editor, check_editable
from newsletter.errors import ValidationError
from newsletter.i18n import N_, Msg
from newsletter.intake import news
from newsletter.intake.limits import check_news_fields
from newsletter.models import NewsSource
from newsletter.service.editorial import EditorialService
from newsletter.service.moderation import (
    ModerationAction,
    ModerationService,
    reader_language,
    tell_partner,
)
from newsletter.service.notices import NoticesService
from newsletter.service.partner_items import PartnerItemsService
from newsletter.service.ratelimit import RateLimiter
from newsletter.service.results import NewsSummary
from newsletter.text import to_safe_html

log = logging.getLogger(__name__)

MAX_FILES = 3
SUBMISSIONS_PER_IP_HOUR = 20
SUBMISSIONS_PER_LINK_HOUR = 10
#: submissions (and so receipts) per sender address and hour
SUBMISSIONS_PER_SENDER_HOUR = 10
PUBLIC_FORM_NOTE = N_("Proposed through the public form (not a member)")
#: previews of the submission form per IP address and hour (each one renders Markdown)
PREVIEWS_PER_IP_HOUR = 60


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
    link_text: str = ""
    #: the same news in the other language (optional): title and text…
    other_title: str = ""
    other_body: str = ""
    #: … and the other language's words of the link, image description and place
    other_link_text: str = ""
    other_image_alt: str = ""
    other_event_place: str = ""

    def other(self) -> dict[str, str] | None:
        """The other language's version, when one was given (checked as the original)."""
        texts = {"title": self.other_title, "body": self.other_body,
                 "link_text": self.other_link_text, "image_alt": self.other_image_alt,
                 "event_place": self.other_event_place}  # fmt: skip
        if not any(value.strip() for value in texts.values()):
            return None
        return texts


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

    def check_rate(self, ip: str, link_key: str | None, sender: str) -> None:
        """Count one submission; ValidationError (nothing counted) when the client, the
        personal link or the sender address already had its share of the hour."""
        hour = timedelta(hours=1)
        rules = [
            ("submit-ip", ip, SUBMISSIONS_PER_IP_HOUR, hour),
            ("submit-sender", sender.strip().casefold(), SUBMISSIONS_PER_SENDER_HOUR, hour),
        ]
        if link_key is not None:
            rules.append(("submit-link", link_key, SUBMISSIONS_PER_LINK_HOUR, hour))
        if self.limits.exceeded_then_hit_all(rules):  # fmt: skip
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
        submission_key: str = "",
        page_language: str = "",
    ) -> NewsSummary:
        """A news item from a partner's link (``organisation_id``) or the public form.
        The receipt is in the sender's language when the address is known, otherwise in
        ``page_language`` (the form's, when the visitor chose or their browser said it),
        otherwise in the item's.

        ``submission_key`` is the form's one-time key: a form already sent (a reload, a
        double click) gives back the item it made, adding nothing and telling nobody."""
        key = PartnerItemsService.check_key(submission_key)
        items = PartnerItemsService(self.ctx)
        done = items.submitted(key)
        if done is not None:
            return done
        link_key = str(organisation_id) if organisation_id is not None else None
        if "@" not in form.sender:
            raise ValidationError(N_("Give your e-mail address: we will tell you what happens."))
        if not form.body.strip():
            raise ValidationError(N_("The text of the news item is empty."))
        uploads = [(name, "", data) for name, data in (files or []) if data]
        if len(uploads) > MAX_FILES:
            raise ValidationError(N_("At most {n} documents."), n=MAX_FILES)
        check_news_fields(self.ctx.settings, sender=form.sender)
        self.check_rate(ip, link_key, form.sender)  # counted before the costly checks
        clean_image = (image[0], "", image[1]) if image and image[1] else None
        try:
            summary = self._submit_news(form, organisation_id, uploads, clean_image, key)
        except IntegrityError:
            done = items.submitted(key)  # the same form, sent twice at the same moment
            if done is None:
                raise
            return done
        lang = reader_language(self.ctx, form.sender, page_language or form.language)
        tell_partner(self.notices, form.sender, lang, "received", "",
                     reference=f"#{summary.id}")  # fmt: skip
        return summary

    def _submit_news(
        self,
        form: NewsForm,
        organisation_id: int | None,
        uploads: list[tuple[str, str, bytes]],
        clean_image: tuple[str, str, bytes] | None,
        key: str,
    ) -> NewsSummary:
        public = organisation_id is None
        return self.editorial.submit_news(
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
            notes=[Msg(PUBLIC_FORM_NOTE)] if public else [],
            actor=form.sender,
            submission_key=key or None,
            other=form.other(),
        )

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
        uploads = [(name, "", data) for name, data in (files or []) if data]
        clean_image = (image[0], "", image[1]) if image and image[1] else None
        summary = self.editorial.submit_news(
            title=form.title, body=form.body, body_format="markdown",
            organisation=form.organisation, organisation_id=organisation_id,
            sender=form.sender or actor, category=form.category,
            source=NewsSource.coordinator, language=form.language, attachments=uploads,
            image=clean_image, image_alt=form.image_alt, link=form.link,
            event_start=form.event_start, event_end=form.event_end,
            event_place=form.event_place, actor=actor, other=form.other(),
        )  # fmt: skip
        if approve:
            summary = self.moderation.moderate(summary.id, ModerationAction.approve, by=actor)
        return summary

    # --- moderation ----------------------------------------------------------------------
    def edit(self, news_id: int, form: NewsForm, *, actor: str, both: bool = False) -> None:
        """The coordinator's corrections before approving (title, text, dates…), checked
        as a new item is. ``both``: the form gives both language versions side by side
        (``form.other()`` is the other language's, ``None`` removes it), so the original
        can change language without losing either version."""
        with self.ctx.db.session() as session:
            item = news.get_news(session, news_id)
            check_editable(item, Editor.coordinator)
            lang = versions.check_language(form.language)
            if both and lang != versions.original_language(item):
                versions.drop_version(item, lang)  # its texts come back as the original
            news.edit_news(
                self.ctx.settings, item, title=form.title, body=form.body,
                category=form.category, language=lang, link=form.link,
                event_start=form.event_start, event_end=form.event_end,
                event_place=form.event_place, image_alt=form.image_alt,
                link_text=form.link_text,
            )  # fmt: skip
            if both:
                other_lang, other = versions.other_language(lang), form.other()
                if other is not None:
                    translate.translate_news(
                        self.ctx.settings, item, other_lang, title=other["title"],
                        body=other["body"], link_text=other["link_text"],
                        image_alt=other["image_alt"], event_place=other["event_place"],
                    )  # fmt: skip
                else:
                    versions.drop_version(item, other_lang)
            log.info("news %s edited by %s", news_id, actor)
