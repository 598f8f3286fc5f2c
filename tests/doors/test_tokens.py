"""Personal links are decoded in one place (``service.tokens``): a token of another
purpose, an altered one or one whose payload is not a number is refused, never a 500."""

from __future__ import annotations

import pytest

from newsletter import links
from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.tokens import sign
from tests.web.conftest import Browser


def test_tokens_of_another_purpose_or_malformed_are_refused(service: Service) -> None:
    settings = service.ctx.settings
    good = sign(settings, links.UNSUBSCRIBE, {"s": 7})
    assert service.tokens.unsubscribe_subscriber(good) == 7
    for token in (
        sign(settings, links.PREFERENCES, {"s": 7}),  # another purpose
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # altered
        sign(settings, links.UNSUBSCRIBE, {"s": "sept"}),  # not a number
        sign(settings, links.UNSUBSCRIBE, {"s": True}),
        sign(settings, links.UNSUBSCRIBE, [7]),
    ):
        with pytest.raises(ValidationError):
            service.tokens.unsubscribe_subscriber(token)
    with pytest.raises(ValidationError):
        service.tokens.annex_file(sign(settings, links.ANNEX, {"s": 1}))


def test_malformed_tokens_answer_400_on_every_page(mailing: Service, console: Browser) -> None:
    settings = mailing.ctx.settings
    bad = sign(settings, links.UNSUBSCRIBE, {"s": "x"})
    for url in (f"/u/{bad}", f"/preferences/{sign(settings, links.PREFERENCES, {})}",
                f"/confirm/{sign(settings, links.CONFIRM, {'s': None})}",
                f"/files/{sign(settings, links.ANNEX, {'f': 'x'})}/a.pdf"):  # fmt: skip
        assert console.client.get(url).status_code == 400, url
