"""The public URLs put into e-mails, in one place so that senders and pages agree.

The web app serves exactly these paths; e-mails and feeds only build them here.
"""

from __future__ import annotations

from urllib.parse import quote

from newsletter.config import Settings
from newsletter.i18n import LANGUAGES
from newsletter.tokens import ANNEX as ANNEX
from newsletter.tokens import CLICK as CLICK
from newsletter.tokens import CLICK_PERSON as CLICK_PERSON
from newsletter.tokens import CONFIRM as CONFIRM
from newsletter.tokens import NEWS_ITEM as NEWS_ITEM
from newsletter.tokens import PARTNER as PARTNER
from newsletter.tokens import PREFERENCES as PREFERENCES
from newsletter.tokens import RSVP as RSVP
from newsletter.tokens import UNSUBSCRIBE as UNSUBSCRIBE
from newsletter.tokens import ShortSigner, encode_payload, sign, stamp_now

#: the public paths whose next segment is a token (kept out of the access log)
TOKEN_PATHS = (
    "/u/", "/preferences/", "/rsvp/", "/confirm/", "/submit/", "/files/", "/news-item/",
    "/r/",
)  # fmt: skip
#: between the link's token and the reader's in a counted link (individual tracking):
#: not a character of the tokens, so the access log hides both as one
CLICK_SEPARATOR = "~"
#: ids below this keep every payload of ``RecipientLinks.personal`` short (no zlib)
_PLAIN_IDS = 10**12


def _base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def unsubscribe_url(settings: Settings, subscriber_id: int, issue_id: int | None = None) -> str:
    """GET shows a one-button page; POST (RFC 8058 one-click) unsubscribes at once."""
    token = sign(settings, UNSUBSCRIBE, {"s": subscriber_id, "i": issue_id})
    return f"{_base(settings)}/u/{token}"


def list_unsubscribe_url(settings: Settings, subscriber_id: int, list_id: str) -> str:
    """Leave one mailing list (its ``List-Unsubscribe``); the same page as
    ``unsubscribe_url``, for that list only."""
    token = sign(settings, UNSUBSCRIBE, {"s": subscriber_id, "l": list_id})
    return f"{_base(settings)}/u/{token}"


def preferences_url(settings: Settings, subscriber_id: int) -> str:
    return f"{_base(settings)}/preferences/{sign(settings, PREFERENCES, {'s': subscriber_id})}"


def web_version_url(settings: Settings, issue_id: int, lang: str = "") -> str:
    """The issue on the web; with ``lang``, in that reader's version of the texts."""
    query = f"?lang={lang}" if lang in LANGUAGES else ""
    return f"{_base(settings)}/archive/{issue_id}{query}"


def rsvp_url(settings: Settings, assembly_id: int, subscriber_id: int) -> str:
    token = sign(settings, RSVP, {"a": assembly_id, "s": subscriber_id})
    return f"{_base(settings)}/rsvp/{token}"


def annex_url(settings: Settings, file_id: int, filename: str) -> str:
    """Signed download link for an annex too large to attach."""
    token = sign(settings, ANNEX, {"f": file_id})
    return f"{_base(settings)}/files/{token}/{quote(filename)}"


def partner_form_url(settings: Settings, organisation_id: int, generation: int = 0) -> str:
    """Personal submission link of a member organisation (revoked by bumping generation)."""
    token = sign(settings, PARTNER, {"o": organisation_id, "g": generation})
    return f"{_base(settings)}/submit/{token}"


def confirm_url(settings: Settings, subscriber_id: int, nonce: str) -> str:
    """Double opt-in confirmation link (``nonce``: its row in subscription_confirmations)."""
    token = sign(settings, CONFIRM, {"s": subscriber_id, "n": nonce})
    return f"{_base(settings)}/confirm/{token}"


def news_item_url(settings: Settings, news_id: int) -> str:
    """The sender's link to one news item they sent: its state, and the form to correct
    it when the coordination asks for changes."""
    return f"{_base(settings)}/news-item/{sign(settings, NEWS_ITEM, {'n': news_id})}"


def click_url(settings: Settings, issue_id: int, url: str) -> str:
    """``url`` through the counting redirect: the same link for every reader."""
    return f"{_base(settings)}/r/{sign(settings, CLICK, {'i': issue_id, 'u': url})}"


def click_person(settings: Settings, issue_id: int, subscriber_id: int) -> str:
    """The reader's part of a counted link (individual tracking only)."""
    return CLICK_SEPARATOR + sign(settings, CLICK_PERSON, {"i": issue_id, "s": subscriber_id})


class RecipientLinks:
    """The personal links of an issue's recipients, for a send: the same URLs as
    ``unsubscribe_url``, ``preferences_url``, ``rsvp_url`` and ``click_person`` (each
    token signed for its recipient and purpose, a test compares them), with the key of
    each purpose and the issue's part of each payload ready once."""

    def __init__(self, settings: Settings, issue_id: int) -> None:
        base = _base(settings)
        self._settings = settings
        self._issue_id = issue_id
        self._unsubscribe = ShortSigner(settings, UNSUBSCRIBE)
        self._preferences = ShortSigner(settings, PREFERENCES)
        self._rsvp = ShortSigner(settings, RSVP)
        self._click_person = ShortSigner(settings, CLICK_PERSON)
        self._unsubscribe_base = f"{base}/u/"
        self._preferences_base = f"{base}/preferences/"
        self._rsvp_base = f"{base}/rsvp/"
        #: the compact JSON of each payload around the subscriber id
        self._unsubscribe_tail = b',"i":%d}' % issue_id
        self._click_head = b'{"i":%d,"s":' % issue_id

    def personal(
        self, subscriber_id: int, assembly_id: int | None, tracks: bool
    ) -> tuple[str, str, str, str]:
        """The unsubscribe, preferences, RSVP (``""`` without ``assembly_id``) and
        click-person (``""`` unless ``tracks``) links of one recipient, signed at the
        same second: what the four methods below give, in one call."""
        if (
            type(subscriber_id) is not int
            or not 0 <= subscriber_id < _PLAIN_IDS
            or (
                assembly_id is not None
                and not (type(assembly_id) is int and 0 <= assembly_id < _PLAIN_IDS)
            )
        ):
            return (
                self.unsubscribe(subscriber_id),
                self.preferences(subscriber_id),
                self.rsvp(assembly_id, subscriber_id) if assembly_id else "",
                self.click_person(subscriber_id) if tracks else "",
            )
        stamp = stamp_now()
        number = b"%d" % subscriber_id
        unsubscribe = self._unsubscribe_base + self._unsubscribe.signed(
            encode_payload(b'{"s":' + number + self._unsubscribe_tail) + stamp
        )
        preferences = self._preferences_base + self._preferences.signed(
            encode_payload(b'{"s":' + number + b"}") + stamp
        )
        rsvp = (
            self._rsvp_base
            + self._rsvp.signed(
                encode_payload(b'{"a":%d,"s":' % assembly_id + number + b"}") + stamp
            )
            if assembly_id
            else ""
        )
        person = (
            CLICK_SEPARATOR
            + self._click_person.signed(encode_payload(self._click_head + number + b"}") + stamp)
            if tracks
            else ""
        )
        return unsubscribe, preferences, rsvp, person

    # exactly an int: anything else (a bool is JSON ``true``) goes through ``sign``
    def unsubscribe(self, subscriber_id: int) -> str:
        if type(subscriber_id) is not int:
            return unsubscribe_url(self._settings, subscriber_id, self._issue_id)
        payload = b'{"s":%d' % subscriber_id + self._unsubscribe_tail
        return self._unsubscribe_base + self._unsubscribe.token(payload)

    def preferences(self, subscriber_id: int) -> str:
        if type(subscriber_id) is not int:
            return preferences_url(self._settings, subscriber_id)
        return self._preferences_base + self._preferences.token(b'{"s":%d}' % subscriber_id)

    def rsvp(self, assembly_id: int, subscriber_id: int) -> str:
        if type(subscriber_id) is not int or type(assembly_id) is not int:
            return rsvp_url(self._settings, assembly_id, subscriber_id)
        payload = b'{"a":%d,"s":%d}' % (assembly_id, subscriber_id)
        return self._rsvp_base + self._rsvp.token(payload)

    def click_person(self, subscriber_id: int) -> str:
        if type(subscriber_id) is not int:
            return click_person(self._settings, self._issue_id, subscriber_id)
        payload = self._click_head + b"%d}" % subscriber_id
        return CLICK_SEPARATOR + self._click_person.token(payload)
