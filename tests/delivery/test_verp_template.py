"""VERP tokens, Message-IDs and the spliced template."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac

from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.delivery.identity import IssueMessageIds, message_id, verify
from newsletter.delivery.smtp import wire_body
from newsletter.delivery.template import TemplateMessage
from newsletter.delivery.verp import delivery_id_from_address, envelope_sender
from newsletter.render.contract import Personalization, Spliced
from tests.delivery.helpers import TEMPLATE


def _settings() -> Settings:
    return Settings(secret_key=SecretStr("k" * 40), bounce_address="bounces@example.org")


def test_verp_round_trip_and_forgery() -> None:
    settings = _settings()
    for delivery_id in (0, 1, 35, 36, 123456789):
        address = envelope_sender(settings, delivery_id)
        assert address.startswith("bounces+") and address.endswith("@example.org")
        assert delivery_id_from_address(settings, address) == delivery_id
        assert delivery_id_from_address(settings, f"<{address.upper()}>") == delivery_id
    address = envelope_sender(settings, 42)
    local, domain = address.split("@")
    forged = local[:-1] + ("0" if local[-1] != "0" else "1") + "@" + domain
    assert delivery_id_from_address(settings, forged) is None
    other_id = envelope_sender(settings, 43).split("+")[1].split("-")[0]
    swapped = f"bounces+{other_id}-{local.split('-')[1]}@{domain}"
    assert delivery_id_from_address(settings, swapped) is None
    assert delivery_id_from_address(settings, address.replace("example.org", "example.net")) is None
    assert delivery_id_from_address(settings, "bounces@example.org") is None
    other_key = Settings(secret_key=SecretStr("z" * 40), bounce_address="bounces@example.org")
    assert delivery_id_from_address(other_key, address) is None


def test_without_bounce_address_the_from_address_is_the_sender() -> None:
    settings = Settings(secret_key=SecretStr("k" * 40), bounce_address="",
                        from_address="Réseau <news@example.org>")  # fmt: skip
    assert envelope_sender(settings, 7) == "news@example.org"
    assert delivery_id_from_address(settings, "news@example.org") is None


def test_message_id_is_deterministic_per_issue_and_recipient() -> None:
    settings = _settings()
    first = message_id(settings, 3, 10)
    assert first == message_id(settings, 3, 10)
    assert first != message_id(settings, 3, 11) != message_id(settings, 4, 10)
    assert first.startswith("<issue-3.10.") and first.endswith("@example.org>")
    # signed: the id of another recipient cannot be made without the secret key
    assert verify(settings, first) == (3, 10)
    assert verify(settings, "<issue-3.10@example.org>") is None  # the old, guessable form
    forged = first.replace("<issue-3.10.", "<issue-3.11.")
    assert verify(settings, forged) is None
    other_key = settings.model_copy(update={"secret_key": SecretStr("z" * 40)})
    assert message_id(other_key, 3, 10) != first and verify(other_key, first) is None
    # the same as the preview's, so a preview shows exactly what is sent
    from newsletter.render.preview import message_id as preview_message_id

    for from_address in ("News <news@example.org>", "plain@example.net", "no-domain"):
        changed = settings.model_copy(update={"from_address": from_address})
        assert message_id(changed, 5, 9) == preview_message_id(changed, 5, 9)


def test_message_ids_are_the_hmac_formula_byte_for_byte() -> None:
    """The Message-IDs already sent (and quoted by bounces) stay what they were:
    base 32 of HMAC-SHA256 under the derived key, its first 12 characters."""
    for secret in ("k" * 40, "é-secret-ü", "x"):
        settings = Settings(secret_key=SecretStr(secret), from_address="N <n@example.org>")
        key = hashlib.sha256(b"newsletter.message-id\0" + secret.encode()).digest()
        for issue_id in (0, 1, 42, 123456789012):
            batch = IssueMessageIds(settings, issue_id)
            for subscriber_id in [*range(3000), 2**31 - 1, 999999999999]:
                digest = hmac.digest(key, f"{issue_id}.{subscriber_id}".encode(), "sha256")
                mac = base64.b32encode(digest).decode("ascii")[:12].lower()
                expected = f"<issue-{issue_id}.{subscriber_id}.{mac}@example.org>"
                assert message_id(settings, issue_id, subscriber_id) == expected
                assert batch(subscriber_id) == expected
                if subscriber_id % 97 == 0:
                    assert verify(settings, expected) == (issue_id, subscriber_id)
                    assert verify(settings, expected.upper()) == (issue_id, subscriber_id)


def test_spliced_template_matches_the_email_package() -> None:
    values = Personalization(
        email="andre@example.org",
        name="André Lefèvre-Asbl",
        message_id="<issue-1.2.abc@example.org>",
        unsubscribe_url="https://news.example.org/u/TOKEN==",
        preferences_url="https://news.example.org/p",
        web_url="https://news.example.org/archive/1",
    )
    data = TemplateMessage(TEMPLATE).personalize(values)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["To"].addresses[0].display_name == "André Lefèvre-Asbl"
    assert parsed["To"].addresses[0].addr_spec == "andre@example.org"
    assert parsed["Message-ID"] == values.message_id
    assert parsed["List-Unsubscribe"] == f"<{values.unsubscribe_url}>"
    body = parsed.get_content()
    assert "Bonjour André Lefèvre-Asbl," in body
    assert "Se désinscrire : https://news.example.org/u/TOKEN==" in body
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_template_pieces_are_the_message_and_its_wire_form() -> None:
    """``splice`` gives the bytes of ``personalize`` as pieces whose wire form is
    ``wire_body``'s (dot lines with and without a placeholder); a value with a line
    break, or a template that is not all CRLF lines, gives plain bytes."""
    template = (
        b"To: {{to}}\r\nMessage-ID: {{message_id}}\r\n\r\n.dot first\r\nBonjour {{name}}\r\n"
        b".{{web_url}}\r\nplain line\r\n..two dots\r\nend {{unsubscribe_url}}\r\n"
    )
    message = TemplateMessage(template)
    for name in ("André Lefèvre-Asbl", ".Dot", "a\r\n.b"):
        values = Personalization("andre@example.org", name, "<1@example.org>",
                                 "https://news.example.org/u/T", "https://news.example.org/p",
                                 "https://news.example.org/w")  # fmt: skip
        spliced = message.splice(values)
        data = message.personalize(values)
        if "\n" in name:
            assert spliced == data
            continue
        assert isinstance(spliced, Spliced) and bytes(spliced) == data
        assert b"".join(spliced.wire()) == wire_body(data)
        assert b"\r\n..dot first\r\n" in b"".join(spliced.wire())
    assert isinstance(TemplateMessage(b"To: {{to}}\nbare\n").splice(values), bytes)


def test_link_tokens_match_itsdangerous_and_verify_in_both_forms() -> None:
    import time

    from itsdangerous import URLSafeTimedSerializer

    from newsletter import tokens

    settings = _settings()
    stock = URLSafeTimedSerializer(settings.secret, salt="newsletter.unsubscribe")
    payload = {"s": 123456, "i": 42}
    for _ in range(5):  # same second on both sides (the timestamp is in the token)
        second = int(time.time())
        ours, theirs = tokens.sign(settings, "unsubscribe", payload), stock.dumps(payload)
        if int(time.time()) == second:
            break
    assert ours == theirs  # a short payload: nothing for zlib to gain, same token
    assert tokens.verify(settings, "unsubscribe", ours) == payload
    long_payload = {"s": 1, "note": "abcd" * 40}  # compresses well
    packed = tokens.sign(settings, "unsubscribe", long_payload)
    assert packed.startswith(".")  # compressed, as itsdangerous does
    assert tokens.verify(settings, "unsubscribe", packed) == long_payload
    assert tokens.verify(settings, "unsubscribe", stock.dumps(long_payload)) == long_payload
    try:
        tokens.verify(settings, "preferences", ours)
    except Exception as error:
        assert "valid" in str(error)
    else:
        raise AssertionError("a token of one purpose was accepted for another")
