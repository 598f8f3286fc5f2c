"""Per-recipient messages from prepared variants: cheap splicing, VERP, optional DKIM.

A variant (language × membership) is rendered once; each recipient's bytes come from
``PreparedMessage.personalize`` with that recipient's links and Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from newsletter import links
from newsletter.config import Settings
from newsletter.delivery.outbox import Claimed
from newsletter.delivery.verp import envelope_sender
from newsletter.models import Language, Membership
from newsletter.render.contract import Personalization, PreparedMessage

if TYPE_CHECKING:  # dkimpy (and dnspython) only when a key is configured
    from newsletter.delivery.dkim import DkimSigner

VariantSource = Callable[[Language, Membership], PreparedMessage]


class IssueMessages:
    """``MessageFactory`` of one issue: (bytes, envelope sender) for a claimed row."""

    def __init__(
        self,
        settings: Settings,
        issue_id: int,
        variant: VariantSource,
        signer: DkimSigner | None = None,
    ) -> None:
        self.settings = settings
        self.issue_id = issue_id
        self._variant = variant
        self._variants: dict[tuple[Language, Membership], PreparedMessage] = {}
        self.signer = signer
        #: each reader's counted links say who they are (individual click tracking)
        self.tracks = settings.click_counting and settings.click_tracking_individual
        #: the web version in each reader language
        self.web_urls = {lang: links.web_version_url(settings, issue_id, lang) for lang in Language}

    def variant(self, language: Language, membership: Membership) -> PreparedMessage:
        key = (language, membership)
        found = self._variants.get(key)
        if found is None:
            found = self._variants[key] = self._variant(language, membership)
        return found

    def personalization(self, row: Claimed, assembly_id: int | None = None) -> Personalization:
        settings = self.settings
        return Personalization(
            email=row.email,
            name=row.name,
            message_id=row.message_id,
            unsubscribe_url=links.unsubscribe_url(settings, row.subscriber_id, self.issue_id),
            preferences_url=links.preferences_url(settings, row.subscriber_id),
            web_url=self.web_urls[row.language],
            rsvp_url=links.rsvp_url(settings, assembly_id, row.subscriber_id)
            if assembly_id
            else "",
            click_person=links.click_person(settings, self.issue_id, row.subscriber_id)
            if self.tracks
            else "",
        )

    def __call__(self, row: Claimed) -> tuple[bytes, str]:
        variant = self.variant(row.language, row.membership)
        data = variant.personalize(self.personalization(row, variant.rsvp_assembly_id))
        if self.signer is not None:
            data = self.signer.sign(data)
        return data, envelope_sender(self.settings, row.id)
