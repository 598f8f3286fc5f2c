"""Decoding of the personal links (unsubscribe, preferences, annexes; confirmations in
``service.subscriptions``): one
place, so every door that receives a link decodes it the same way. A forged, altered,
expired or malformed token is a ValidationError ("This link is not valid.")."""

from __future__ import annotations

from typing import Any

from newsletter import links
from newsletter.context import Context
from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.tokens import verify


def _number(payload: Any, key: str) -> int:
    try:
        value = payload[key]
        if isinstance(value, bool):
            raise TypeError(key)
        return int(value)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(N_("This link is not valid.")) from error


class TokensService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _subscriber(self, purpose: str, token: str) -> int:
        return _number(verify(self.ctx.settings, purpose, token), "s")

    def unsubscribe_subscriber(self, token: str) -> int:
        """The subscriber of a one-click unsubscribe link."""
        return self._subscriber(links.UNSUBSCRIBE, token)

    def unsubscribe_list(self, token: str) -> str | None:
        """The one list an unsubscribe link leaves (a mailing list's), None for all."""
        payload = verify(self.ctx.settings, links.UNSUBSCRIBE, token)
        value = payload.get("l") if isinstance(payload, dict) else None
        return value if isinstance(value, str) and value else None

    def preferences_subscriber(self, token: str) -> int:
        """The subscriber of a preferences link."""
        return self._subscriber(links.PREFERENCES, token)

    def annex_file(self, token: str) -> int:
        """The stored file of a signed annex or image link."""
        return _number(verify(self.ctx.settings, links.ANNEX, token), "f")

    def news_item(self, token: str) -> int:
        """The news item of a sender's item link."""
        return _number(verify(self.ctx.settings, links.NEWS_ITEM, token), "n")
