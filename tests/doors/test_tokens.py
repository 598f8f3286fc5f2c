"""Personal links are decoded in one place (``service.tokens``): a token of another
purpose, an altered one or one whose payload is not a number is refused, never a 500."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

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


#: payloads of every shape: the ids of personal links, and what takes the general JSON path
PAYLOADS: list[object] = [
    {"s": 7, "i": 2}, {"s": 7, "i": None}, {"s": 0}, {"a": 12, "s": 99999999999}, {"s": -1},
    {"f": 3}, {"o": 1, "g": 0}, {"s": 1, "n": "x"}, {"s": True}, {"s": "sept"}, {"s": 1.5},
    {}, [7], "é", {"é": 1}, {"s": 1, "i": 2, "a": 3, "g": 4, "o": 5}, {"s": "x" * 40},
    {"n": "x" * 200}, {"s": '"\\'}, {"s": [1, 2]}, {'"': 1}, {"1": 2},
]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_tokens_are_the_ones_itsdangerous_makes(service: Service, payload: object) -> None:
    """``sign`` writes short tokens itself: byte for byte what the serializer (itsdangerous,
    short payloads left uncompressed) gives."""
    from newsletter import tokens

    settings = service.ctx.settings
    made = 1_790_000_000

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return made

    for purpose in (links.UNSUBSCRIBE, links.PREFERENCES, links.RSVP, links.ANNEX):
        reference = tokens._Serializer(
            settings.secret, salt=f"newsletter.{purpose}", signer=Then
        ).dumps(payload)
        data = tokens._compact_json(payload)
        assert data == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if len(data) <= tokens.SHORT_PAYLOAD:
            key = tokens._signing_key(settings.secret, purpose)
            assert tokens.signed_short(key, data, made) == reference
        # whichever path it takes, the token made now is read back, for its purpose only
        token = sign(settings, purpose, payload)
        assert verify(settings, purpose, token) == payload
        other = links.PREFERENCES if purpose != links.PREFERENCES else links.UNSUBSCRIBE
        with pytest.raises(ValidationError):
            verify(settings, other, token)


def test_a_token_of_another_secret_is_refused(service: Service) -> None:
    settings = service.ctx.settings
    other = settings.model_copy(update={"secret_key": SecretStr("another-secret-0123456789")})
    token = sign(other, links.UNSUBSCRIBE, {"s": 7, "i": 2})
    assert verify(other, links.UNSUBSCRIBE, token) == {"s": 7, "i": 2}
    with pytest.raises(ValidationError):
        verify(settings, links.UNSUBSCRIBE, token)
    with pytest.raises(KeyError):
        sign(settings, "no-such-purpose", {"s": 1})


def test_the_hmac_from_precomputed_key_states_is_hmac_sha1() -> None:
    import hmac
    import random

    from newsletter import tokens

    generator = random.Random(4)
    for size in (0, 1, 20, 63, 64, 65, 200):  # keys shorter and longer than the block
        key = generator.randbytes(size)
        for length in (0, 1, 30, 64, 200):
            message = generator.randbytes(length)
            assert tokens.hmac_sha1(key, message) == hmac.digest(key, message, "sha1")


def test_a_sends_short_signer_makes_the_tokens_of_sign(service: Service) -> None:
    from newsletter import tokens

    settings = service.ctx.settings
    made = 1_790_000_000
    for purpose in (links.UNSUBSCRIBE, links.PREFERENCES, links.RSVP, links.CLICK_PERSON):
        signer = tokens.ShortSigner(settings, purpose)
        key = tokens._signing_key(settings.secret, purpose)
        for payload in ({"s": 7, "i": 2}, {"s": 7, "i": None}, {"a": 12, "s": 99999999999}):
            data = tokens._compact_json(payload)
            assert signer.token(data, made) == tokens.signed_short(key, data, made)
            assert verify(settings, purpose, signer.token(data)) == payload
    with pytest.raises(ValueError):
        signer.token(b"{" + b" " * tokens.SHORT_PAYLOAD + b"}")
    with pytest.raises(KeyError):
        tokens.ShortSigner(settings, "no-such-purpose")


def test_the_links_of_a_send_are_the_links_of_the_link_functions(service: Service) -> None:
    """Made the same second, the same URLs: an issue's per-recipient links verify (and
    links already sent keep verifying) whichever of the two made them."""
    settings = service.ctx.settings.model_copy(
        update={"click_counting": True, "click_tracking_individual": True}
    )
    made = links.RecipientLinks(settings, 12)
    for subscriber in (1, 7, 123456789012, -1, True):
        for _ in range(3):  # until both are made within one second
            start = int(time.time())
            ours = [made.unsubscribe(subscriber), made.preferences(subscriber),
                    made.rsvp(3, subscriber), made.click_person(subscriber)]  # fmt: skip
            theirs = [links.unsubscribe_url(settings, subscriber, 12),
                      links.preferences_url(settings, subscriber),
                      links.rsvp_url(settings, 3, subscriber),
                      links.click_person(settings, 12, subscriber)]  # fmt: skip
            if int(time.time()) == start:
                break
        assert ours == theirs, subscriber
    token = made.unsubscribe(7).rpartition("/")[2]
    assert verify(settings, links.UNSUBSCRIBE, token) == {"s": 7, "i": 12}
