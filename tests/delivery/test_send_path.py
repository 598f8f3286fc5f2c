"""The per-recipient send path's own fast forms give what the plain functions give: the
links of a recipient signed in one call, the VERP sender of a send, the To header."""

from __future__ import annotations

import hashlib
import hmac
import time

from pydantic import SecretStr

from newsletter import links, tokens
from newsletter.config import Settings
from newsletter.delivery.verp import EnvelopeSenders, delivery_id_from_address
from newsletter.render.splice import (
    SLOT_ORDER,
    LineTemplate,
    Markers,
    Slot,
    address_header,
    clean_name,
    display_name,
    split_body,
)

SETTINGS = Settings(
    secret_key=SecretStr("test-secret-key-not-for-production"),
    base_url="https://news.example.org",
    from_address="Coordination <news@example.org>",
    bounce_address="bounces+x@example.org",
)


def test_personal_links_are_the_links_one_by_one_and_verify() -> None:
    made = links.RecipientLinks(SETTINGS, 12)
    for subscriber, assembly in [(1, None), (7, 3), (123456, 99), (0, 0), (10**13, 5)]:
        for tracks in (False, True):
            second = int(time.time())
            got = made.personal(subscriber, assembly, tracks)
            if int(time.time()) != second:  # the second turned: tokens differ in time
                got = made.personal(subscriber, assembly, tracks)
            want = (
                links.unsubscribe_url(SETTINGS, subscriber, 12),
                links.preferences_url(SETTINGS, subscriber),
                links.rsvp_url(SETTINGS, assembly, subscriber) if assembly else "",
                links.click_person(SETTINGS, 12, subscriber) if tracks else "",
            )
            assert got == want
            token = got[0].rsplit("/", 1)[1]
            assert tokens.verify(SETTINGS, tokens.UNSUBSCRIBE, token) == {"s": subscriber, "i": 12}
            assert tokens.verify(SETTINGS, tokens.PREFERENCES, got[1].rsplit("/", 1)[1]) == {
                "s": subscriber
            }
            if assembly:
                assert tokens.verify(SETTINGS, tokens.RSVP, got[2].rsplit("/", 1)[1]) == {
                    "a": assembly,
                    "s": subscriber,
                }


def _old_verp(delivery_id: int) -> str:
    """The VERP address as it was first written (addresses in old bounces must match)."""
    digits, number, out = "0123456789abcdefghijklmnopqrstuvwxyz", delivery_id, ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    mac = hmac.new(SETTINGS.secret.encode(), f"verp:{delivery_id}".encode(), hashlib.sha256)
    return f"bounces+{out or '0'}-{mac.hexdigest()[:12]}@example.org"


def test_envelope_senders_keep_the_address_form_and_round_trip() -> None:
    senders = EnvelopeSenders(SETTINGS)
    for delivery in [*range(0, 3000), 36**3 - 1, 36**3, 46656 * 36 + 7, 10**9, 10**15 + 3]:
        address = senders(delivery)
        assert address == _old_verp(delivery), delivery
        assert delivery_id_from_address(SETTINGS, address) == delivery
    plain = EnvelopeSenders(SETTINGS.model_copy(update={"bounce_address": ""}))
    assert plain(5) == "news@example.org"


def test_to_header_of_a_clean_name_and_of_names_seen_before() -> None:
    names = ["Hélène Dupont-Müller", "Lectrice Exémple 7", "Lectrice Exémple 8", "Zoë", "Ann",
             "A \"quoted\" one", "Ωμέγα " * 12, "Jean =?utf-8?q?x?=", " Exémple ", ""]  # fmt: skip
    for name in names * 2:  # the second time from the encoded runs kept
        header = address_header("To", name, "r@example.net")
        assert header == address_header("To", clean_name(name), "r@example.net", clean=True)
        assert all(len(line) <= 78 for line in header.split(b"\r\n")), header
    words = display_name("Lectrice Exémple 7")
    assert words == ["Lectrice", "=?utf-8?b?RXjDqW1wbGU=?=", "7"]


def test_compiled_lines_give_the_lines_of_their_pattern() -> None:
    markers = Markers.new()
    word = markers.words
    text = (
        f"Bonjour {word[Slot.greeting]}, é {{x}} = {word[Slot.unsubscribe_url]}\n"
        f"{word[Slot.rsvp_url]}\n"
        f'<a href="{word[Slot.web_url]}{word[Slot.click_person]}">ü</a> {{}}\n'
    )
    lines = [s for s in split_body(text, markers) if isinstance(s, LineTemplate)]
    assert len(lines) == 3
    values = {slot: f"{slot.value}-valeur=é{{0}}" for slot in SLOT_ORDER}
    for html in (True, False):
        forms = tuple(values[slot] for slot in SLOT_ORDER) * 2
        named = {slot.value: value for slot, value in values.items()}
        for line in lines:
            compiled = line.compiled(html)
            if isinstance(compiled, str):
                got = compiled.format(*forms)
            else:
                head, position, tail = compiled
                got = head + forms[position] + tail
            assert got == line.pattern.format_map(named)
    assert isinstance(lines[1].compiled(False), tuple)
    assert isinstance(lines[0].compiled(True), str)
