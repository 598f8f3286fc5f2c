"""Moderation of the news queue: one function for every door.

``ModerationService.moderate(news_id, action, reason=, by=)`` is what the console, the
CLI and the demo call to approve, reject, ask for changes or put an item back in the
queue. The partner who sent the item is told by e-mail of a rejection or of a request
for changes, whichever door the coordinator used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum

from newsletter import links, versions
from newsletter.audience.subscriptions import find_by_email
from newsletter.context import Context
from newsletter.editorial.news_status import transition_news
from newsletter.errors import DeliveryError, ValidationError
from newsletter.i18n import LANGUAGES, N_, gettext
from newsletter.intake import news
from newsletter.intake.limits import check_news_fields
from newsletter.models import NewsStatus
from newsletter.service.notices import NoticesService
from newsletter.service.results import NewsSummary

log = logging.getLogger(__name__)


class ModerationAction(StrEnum):
    approve = "approve"
    reject = "reject"
    changes = "changes"
    reopen = "reopen"


TARGET = {
    ModerationAction.approve: NewsStatus.approved,
    ModerationAction.reject: NewsStatus.rejected,
    ModerationAction.changes: NewsStatus.changes_requested,
    ModerationAction.reopen: NewsStatus.pending,
}

#: what the partner is told: (subject, body with {title}, {reason}, {reference}). The
#: receipt of a form goes to an address the visitor typed: it carries none of their text
PARTNER_MAIL = {
    "received": (
        N_("Your news item was received"),
        N_("Hello,\n\nThank you: your news item was received under the reference "
           "{reference}. The coordination reads it before it appears in the newsletter.\n"
           "\nIf you did not send anything, ignore this e-mail.\n"),
    ),
    ModerationAction.reject.value: (
        N_("Your news item was not accepted"),
        N_("Hello,\n\nYour news item \"{title}\" will not appear in the newsletter.\n"
           "\nReason: {reason}\n"),
    ),
    ModerationAction.changes.value: (
        N_("Your news item needs changes"),
        N_("Hello,\n\nYour news item \"{title}\" needs changes before it can appear "
           "in the newsletter:\n\n{reason}\n\nCorrect it here (the same item comes back "
           "to the coordination):\n{url}\n"),
    ),
}  # fmt: skip


def reader_language(ctx: Context, address: str, fallback: str = "") -> str:
    """The language a person reads: their own when the address is known (a subscriber,
    a partner's contact), otherwise ``fallback`` (the language of the form they used),
    French when that is unknown too."""
    if "@" in address:
        with ctx.db.session() as session:
            found = find_by_email(session, address)
            if found is not None:
                return found.language.value
    return fallback if fallback in LANGUAGES else LANGUAGES[0]


def tell_partner(
    notices: NoticesService,
    to: str,
    lang: str,
    what: str,
    title: str,
    reason: str = "",
    reference: str = "",
    url: str = "",
) -> bool:
    """One of ``PARTNER_MAIL`` to ``to`` in ``lang`` (``url``: the sender's link to the
    item); False (logged) when it could not go."""
    subject, body = PARTNER_MAIL[what]
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    try:
        text = gettext(lang, body).format(title=title, reason=reason, reference=reference, url=url)
        notices.send(to, gettext(lang, subject), text, lang)
    except DeliveryError:
        log.warning("could not tell %s about %s", to, what)
        return False
    except Exception:  # the decision is saved; a mail server problem must not undo it
        log.exception("could not tell %s about %s", to, what)
        return False
    return True


class ModerationService:
    def __init__(self, ctx: Context, notices: NoticesService) -> None:
        self.ctx = ctx
        self.notices = notices

    def moderate(
        self, news_id: int, action: ModerationAction | str, *, reason: str = "", by: str = ""
    ) -> NewsSummary:
        """Apply ``action`` to news item ``news_id`` (the reason is required for a
        rejection or a request for changes: the partner reads it)."""
        return self.moderate_many([news_id], action, reason=reason, by=by)[0]

    def moderate_many(
        self,
        news_ids: Sequence[int],
        action: ModerationAction | str,
        *,
        reason: str = "",
        by: str = "",
    ) -> list[NewsSummary]:
        """``action`` on several items at once (one reason for all): every one of them,
        or none when one cannot (the error names it). Partners are told afterwards."""
        try:
            wanted = ModerationAction(action)
        except ValueError as error:
            raise ValidationError(N_("Unknown action.")) from error
        check_news_fields(self.ctx.settings, reason=reason)
        ids = list(dict.fromkeys(news_ids))
        if not ids:
            raise ValidationError(N_("Select at least one news item."))
        with self.ctx.db.session() as session:
            summaries = []
            for news_id in ids:
                item = news.get_news(session, news_id)
                transition_news(item, TARGET[wanted], actor=by, reason=reason)
                session.flush()
                summaries.append(NewsSummary.of(item))
        if wanted in (ModerationAction.reject, ModerationAction.changes):
            for summary in summaries:
                if "@" in summary.sender:
                    self._tell(summary, wanted.value)
        return summaries

    def recategorize(self, news_ids: Sequence[int], category: str) -> list[NewsSummary]:
        """Move several items to ``category`` (a section of the ``categories`` setting)."""
        if category not in self.ctx.settings.categories:
            raise ValidationError(
                N_("Unknown category {category}; choose one of: {choices}."),
                category=category,
                choices=", ".join(self.ctx.settings.categories),
            )
        ids = list(dict.fromkeys(news_ids))
        if not ids:
            raise ValidationError(N_("Select at least one news item."))
        with self.ctx.db.session() as session:
            summaries = []
            for news_id in ids:
                item = news.get_news(session, news_id)
                item.category = category
                session.flush()
                summaries.append(NewsSummary.of(item))
            return summaries

    def _tell(self, summary: NewsSummary, what: str) -> None:
        """The partner is told in their language (the item's when they are not known),
        with the item's title in that language when it has one."""
        url = links.news_item_url(self.ctx.settings, summary.id)
        lang = reader_language(self.ctx, summary.sender, summary.language)
        with self.ctx.db.session() as session:
            item = news.get_news(session, summary.id)
            title = str(versions.pick(item, "title", lang)) or summary.title
        tell_partner(self.notices, summary.sender, lang, what, title, summary.status_reason,
                     url=url)  # fmt: skip
