"""Personal links are decoded in one place (``service.tokens``): a token of another
purpose, an altered one or one whose payload is not a number is refused, never a 500."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from newsletter import links
from newsletter.config import Settings
from newsletter.errors import ValidationError
from newsletter.service import Service
from newsletter.tokens import lifetime, sign, verify
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


def _made_ago(settings: Settings, purpose: str, payload: object, age: timedelta) -> str:
    """A token of ``purpose`` as ``sign`` made it ``age`` ago."""
    made = int(time.time() - age.total_seconds())

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return made

    serializer = URLSafeTimedSerializer(settings.secret, salt=f"newsletter.{purpose}", signer=Then)
    token: str = serializer.dumps(payload)
    return token


#: purpose: (payload, the lifetime its settings give)
KINDS = {
    links.UNSUBSCRIBE: ({"s": 1, "i": 2}, timedelta(days=1825)),
    links.PREFERENCES: ({"s": 1}, timedelta(days=730)),
    links.RSVP: ({"a": 1, "s": 1}, timedelta(days=730)),
    links.CONFIRM: ({"s": 1, "n": "x"}, timedelta(hours=72)),
    links.PARTNER: ({"o": 1, "g": 0}, timedelta(days=400)),
}


@pytest.mark.parametrize("purpose", list(KINDS))
def test_every_token_kind_expires_after_its_own_lifetime(service: Service, purpose: str) -> None:
    settings = service.ctx.settings
    payload, life = KINDS[purpose]
    assert lifetime(settings, purpose) == life
    young = _made_ago(settings, purpose, payload, life - timedelta(minutes=5))
    assert verify(settings, purpose, young) == payload
    old = _made_ago(settings, purpose, payload, life + timedelta(minutes=5))
    with pytest.raises(ValidationError) as refused:
        verify(settings, purpose, old)
    assert refused.value.localized("fr") == "Ce lien a expiré."
    assert refused.value.localized("nl") == "Deze link is verlopen."


def test_unsubscribe_links_outlive_the_other_personal_links(service: Service) -> None:
    """RFC 8058: a one-click unsubscribe from an old e-mail keeps working."""
    settings = service.ctx.settings
    four_years = _made_ago(settings, links.UNSUBSCRIBE, {"s": 7, "i": 1}, timedelta(days=1460))
    assert service.tokens.unsubscribe_subscriber(four_years) == 7
    with pytest.raises(ValidationError):
        service.tokens.preferences_subscriber(
            _made_ago(settings, links.PREFERENCES, {"s": 7}, timedelta(days=1460))
        )
    # a file of a published issue (the same for every reader) keeps its link
    old_file = _made_ago(settings, links.ANNEX, {"f": 3}, timedelta(days=3650))
    assert service.tokens.annex_file(old_file) == 3
    assert lifetime(settings, links.ANNEX) is None


def test_an_expired_partner_link_shows_a_page_in_the_readers_language(
    mailing: Service, console: Browser
) -> None:
    org = mailing.audience.import_members(
        b"organisation;nom;email;statut\nAsbl Exemple;A;a@asbl.example.org;effectif\n", "o.csv"
    )
    assert org is not None
    (organisation,) = mailing.audience.organisations()
    old = _made_ago(mailing.ctx.settings, links.PARTNER, {"o": organisation.id, "g": 0},
                    timedelta(days=401))  # fmt: skip
    page = console.client.get(f"/submit/{old}", headers={"Accept-Language": "nl"})
    assert page.status_code == 400 and "Deze link is verlopen." in page.text
    fresh = links.partner_form_url(mailing.ctx.settings, organisation.id)
    assert console.client.get(fresh.removeprefix(mailing.ctx.settings.base_url)).status_code == 200


def test_the_fast_signer_makes_the_bytes_itsdangerous_makes(settings: Settings) -> None:
    from newsletter.tokens import _Serializer, _signer

    made = int(time.time()) - 3600

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return made

    for purpose, payload in (
        (links.UNSUBSCRIBE, {"s": 123456, "i": 42}),
        (links.UNSUBSCRIBE, {"s": 5, "i": None}),
        (links.PREFERENCES, {"s": 7}),
        (links.RSVP, {"a": 3, "s": 99}),
        (links.CONFIRM, {"s": 1, "n": "n" * 20}),
    ):
        reference = _Serializer(settings.secret, salt=f"newsletter.{purpose}", signer=Then)
        assert _signer(settings.secret, purpose).dumps(payload, now=made) == reference.dumps(
            payload
        )
    for payload in ({"s": 7}, {"s": 1, "n": "é" * 60}):  # short, and long (compressed)
        token = sign(settings, links.CONFIRM, payload)
        assert verify(settings, links.CONFIRM, token) == payload
