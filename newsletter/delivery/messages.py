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
from newsletter.delivery.transport import Message
from newsletter.delivery.verp import EnvelopeSenders
from newsletter.models import Language, Membership
from newsletter.render.contract import Personalization, PreparedMessage, Spliced

if TYPE_CHECKING:  # dkimpy (and dnspython) only when a key is configured
    from newsletter.delivery.dkim import DkimSigner

VariantSource = Callable[[Language, Membership], PreparedMessage]


class IssueMessages:
    """``MessageFactory`` of one issue: (message, envelope sender) for a claimed row; the
    message is the variant's pieces (``PreparedMessage.splice``), the DKIM signature
    one more piece in front when signed (``DkimSigner.sign_spliced``)."""

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
        self.links = links.RecipientLinks(settings, issue_id)
        #: the VERP envelope sender of a delivery (``verp.envelope_sender``)
        self.sender = EnvelopeSenders(settings)

    def variant(self, language: Language, membership: Membership) -> PreparedMessage:
        key = (language, membership)
        found = self._variants.get(key)
        if found is None:
            found = self._variants[key] = self._variant(language, membership)
        return found

    def personalization(self, row: Claimed, assembly_id: int | None = None) -> Personalization:
        unsubscribe, preferences, rsvp, person = self.links.personal(
            row.subscriber_id, assembly_id, self.tracks
        )
        return Personalization(
            row.email,
            row.name,
            row.message_id,
            unsubscribe,
            preferences,
            self.web_urls[row.language],
            rsvp,
            person,
        )

    def __call__(self, row: Claimed) -> tuple[Message, str]:
        variant = self.variant(row.language, row.membership)
        values = self.personalization(row, variant.rsvp_assembly_id)
        message = variant.splice(values)
        if self.signer is not None:  # DKIM signs the whole message; pieces stay pieces
            if isinstance(message, Spliced):
                return self.signer.sign_spliced(message), self.sender(row.id)
            return self.signer.sign(message), self.sender(row.id)
        return message, self.sender(row.id)
