"""DMARC policy discovery against a local DNS server, and the From rewrite of a post."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

import pytest

from newsletter.mailinglist import dmarc
from newsletter.mailinglist.dmarc import (
    DmarcLookup,
    Policy,
    Poster,
    clean_name,
    normal_domain,
    organisational_domain,
    parse_record,
    poster_of,
)
from tests.support.dnsserver import DnsServer

ZONE = """
$TTL 300
@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 120
@ IN NS ns.test.
_dmarc.reject.example. 600 IN TXT "v=DMARC1; p=reject; rua=mailto:d@reject.example"
_dmarc.quarantine.example. IN TXT "v=DMARC1; " "p=quarantine; pct=50"
_dmarc.none.example. IN TXT "v=DMARC1; p=none"
_dmarc.parent.example. IN TXT "v=DMARC1; p=none; sp=reject"
_dmarc.plain.example. IN TXT "v=DMARC1; p=quarantine"
_dmarc.strict.co.uk. IN TXT "v=DMARC1; p=reject"
_dmarc.double.example. IN TXT "v=DMARC1; p=reject"
_dmarc.double.example. IN TXT "v=DMARC1; p=none"
_dmarc.spf.example. IN TXT "v=spf1 -all"
_dmarc.spf.example. IN TXT "v=DMARC1; p=reject"
www.nothing.example. IN A 192.0.2.1
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[DnsServer]:
    with DnsServer(
        ZONE, silent=["_dmarc.slow.example"], failing=["_dmarc.broken.example"]
    ) as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lookup(server: DnsServer, clock: Clock) -> DmarcLookup:
    return DmarcLookup([server.address], timeout=0.5, clock=clock)


# --- pure parts -----------------------------------------------------------------------


def test_parse_record() -> None:
    assert parse_record("v=DMARC1; p=reject") == dmarc.DmarcRecord(Policy.reject)
    assert parse_record("v=DMARC1;p=Quarantine;sp=none;pct=20") == dmarc.DmarcRecord(
        Policy.quarantine, Policy.none, 20
    )
    assert parse_record("v=DMARC1; P=reject; SP=bogus; pct=500") == dmarc.DmarcRecord(
        Policy.reject, None, 100
    )
    # §6.6.3: a bad p= with a rua= is p=none; without one the record is discarded
    assert parse_record("v=DMARC1; p=maybe; rua=mailto:x@example.org") == dmarc.DmarcRecord(
        Policy.none
    )
    assert parse_record("v=DMARC1; p=maybe") is None
    assert parse_record("v=DMARC1") is None
    assert parse_record("p=reject; v=DMARC1") is None
    assert parse_record("v=spf1 -all") is None
    assert parse_record("") is None


def test_organisational_domain_from_the_public_suffix_list() -> None:
    assert organisational_domain("lists.mail.example.co.uk") == "example.co.uk"
    assert organisational_domain("cpas.bruxelles.be") == "bruxelles.be"
    assert organisational_domain("a.b.parent.example") == "parent.example"
    assert organisational_domain("user.github.io") == "user.github.io"
    assert organisational_domain("co.uk") == "co.uk"


def test_normal_domain_refuses_what_cannot_be_a_host() -> None:
    assert normal_domain("Example.ORG.") == "example.org"
    assert normal_domain("bücher.example") == "xn--bcher-kva.example"
    for bad in ["", "localhost", "a..b", "a b.example", "x" * 64 + ".example",
                "evil.example\r\nX: y", "a@b.example", ".", "a/b.example"]:  # fmt: skip
        assert normal_domain(bad) is None, bad


def test_clean_name_of_hostile_names() -> None:
    assert clean_name("Alice\r\nBcc: all@example.org") == "Alice Bcc: allexample.org"
    assert clean_name("\u202eecilA\u200b Dupont") == "ecilA Dupont"
    assert clean_name('"Bob" <bob@evil.example>') == "Bob bobevil.example"
    assert clean_name("  lots \t of\u00a0 space ") == "lots of space"
    assert clean_name("x" * 500) == "x" * dmarc.NAME_LENGTH
    assert clean_name("\x00\x07\x1b[31m") == "31m"


def _post(from_: str, **headers: str) -> Message:
    text = f"From: {from_}\r\nTo: gt-logement@lists.example.org\r\nSubject: Hello\r\n"
    for name, value in headers.items():
        text += f"{name.replace('_', '-')}: {value}\r\n"
    return message_from_bytes((text + "\r\nBody\r\n").encode("utf-8"), policy=policy.default)


def test_poster_of_decodes_the_single_address() -> None:
    assert poster_of(_post("=?utf-8?q?=C3=89lise?= <elise@reject.example>")) == Poster(
        "Élise", "elise@reject.example"
    )
    assert poster_of(_post("bob@none.example")) == Poster("", "bob@none.example")
    assert poster_of(_post("a@x.example, b@y.example")) is None
    assert poster_of(_post("undisclosed")) is None
    compat = message_from_bytes(b"From: =?utf-8?q?Z=C3=B6e?= <zoe@reject.example>\r\n\r\nx")
    assert poster_of(compat) == Poster("Zöe", "zoe@reject.example")


def _header_address(message: Message, name: str) -> tuple[str, str]:
    parsed = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    header = parsed[name]
    assert len(header.addresses) == 1
    address = header.addresses[0]
    return address.display_name, address.addr_spec


def test_rewritten_headers_survive_hostile_names() -> None:
    name = "\u202eAlice\r\nBcc: evil@ex.org \u200b"
    hostile = "=?utf-8?b?" + base64.b64encode(name.encode()).decode() + "?="
    message = _post(f"{hostile} <alice@reject.example>")
    poster = poster_of(message)
    assert poster is not None
    rewrite = dmarc.rewritten_headers(
        message, poster, list_address="gt-logement@lists.example.org", list_title="GT Logement"
    )
    assert "\r" not in rewrite.from_ and "\n" not in rewrite.from_
    dmarc.apply(message, rewrite)
    name, address = _header_address(message, "From")
    assert address == "gt-logement@lists.example.org"
    assert name == "Alice Bcc: evilex.org via GT Logement"
    assert _header_address(message, "Reply-To") == ("Alice Bcc: evilex.org", "alice@reject.example")
    assert message.get_all("Bcc") is None


def test_rewrite_non_ascii_and_quoted_names() -> None:
    message = _post('"Dupont, Élise (CPAS) \\"boss\\"" <elise@reject.example>')
    poster = poster_of(message)
    assert poster is not None
    dmarc.apply(message, dmarc.rewritten_headers(
        message, poster, list_address="gt@lists.example.org", list_title="GT Logement"
    ))  # fmt: skip
    wire = message.as_bytes(policy=policy.SMTP)
    assert wire.isascii()  # RFC 2047 encoded, no raw UTF-8 in the headers
    assert _header_address(message, "From") == (
        "Dupont Élise CPAS boss via GT Logement",
        "gt@lists.example.org",
    )


def test_rewrite_without_a_name_uses_the_local_part() -> None:
    message = _post("jean.dupont@reject.example")
    poster = poster_of(message)
    assert poster is not None
    assert dmarc.via_name(poster, "GT Logement") == "jean.dupont via GT Logement"


def test_rewrite_keeps_the_posters_own_reply_to() -> None:
    message = _post("Alice <alice@reject.example>", Reply_To="Secrétariat <secr@reject.example>")
    poster = poster_of(message)
    assert poster is not None
    dmarc.apply(message, dmarc.rewritten_headers(
        message, poster, list_address="gt@lists.example.org", list_title="GT"
    ))  # fmt: skip
    assert _header_address(message, "Reply-To") == ("Secrétariat", "secr@reject.example")


def test_rewrite_replying_to_the_list_puts_the_poster_in_cc() -> None:
    message = _post("Alice <alice@reject.example>", Reply_To="gt@lists.example.org",
                    Cc="carol@none.example")  # fmt: skip
    poster = poster_of(message)
    assert poster is not None
    dmarc.apply(message, dmarc.rewritten_headers(
        message, poster, list_address="gt@lists.example.org", list_title="GT", reply_to="list"
    ))  # fmt: skip
    assert _header_address(message, "Reply-To") == ("", "gt@lists.example.org")
    parsed = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert [a.addr_spec for a in parsed["Cc"].addresses] == [
        "carol@none.example",
        "alice@reject.example",
    ]


# --- against the DNS server -----------------------------------------------------------


def test_policies_published_at_the_domain(lookup: DmarcLookup) -> None:
    assert lookup.policy("reject.example") == dmarc.Verdict(
        "reject.example", "reject", "reject.example"
    )
    assert lookup.policy("QUARANTINE.example").policy == "quarantine"
    assert lookup.policy("none.example").policy == "none"
    assert lookup.policy("nothing.example").policy == "absent"
    assert lookup.policy("double.example").policy == "absent"  # two records: none applies
    assert lookup.policy("spf.example").policy == "reject"  # the non-DMARC TXT is ignored
    domains = ["reject.example", "quarantine.example", "none.example", "nothing.example"]
    rewrites = {d: lookup.policy(d).rewrite for d in domains}
    assert rewrites == {"reject.example": True, "quarantine.example": True,
                        "none.example": False, "nothing.example": False}  # fmt: skip


def test_organisational_domain_fallback(lookup: DmarcLookup, server: DnsServer) -> None:
    assert lookup.policy("lists.parent.example") == dmarc.Verdict(
        "lists.parent.example", "reject", "parent.example"
    )  # sp= applies to subdomains
    assert lookup.policy("parent.example").policy == "none"
    assert lookup.policy("a.b.plain.example") == dmarc.Verdict(
        "a.b.plain.example", "quarantine", "plain.example"
    )  # no sp=: p= applies
    assert lookup.policy("mail.strict.co.uk") == dmarc.Verdict(
        "mail.strict.co.uk", "reject", "strict.co.uk"
    )
    assert server.asked("_dmarc.mail.strict.co.uk") == 1
    assert server.asked("_dmarc.strict.co.uk") == 1
    assert server.asked("_dmarc.co.uk") == 0  # never above the registered domain


def test_answers_are_cached_for_their_ttl(
    lookup: DmarcLookup, server: DnsServer, clock: Clock
) -> None:
    for _ in range(3):
        assert lookup.policy("reject.example").policy == "reject"
    assert server.asked("_dmarc.reject.example") == 1
    clock.now += 599
    lookup.policy("reject.example")
    assert server.asked("_dmarc.reject.example") == 1
    clock.now += 2  # past the record's TTL of 600 s
    lookup.policy("reject.example")
    assert server.asked("_dmarc.reject.example") == 2


def test_negative_answers_are_cached_for_the_soa_minimum(
    lookup: DmarcLookup, server: DnsServer, clock: Clock
) -> None:
    assert lookup.policy("nothing.example").policy == "absent"
    assert server.asked("_dmarc.nothing.example") == 1
    clock.now += 119
    lookup.policy("nothing.example")
    assert server.asked("_dmarc.nothing.example") == 1
    clock.now += 2  # the SOA minimum is 120 s
    lookup.policy("nothing.example")
    assert server.asked("_dmarc.nothing.example") == 2


def test_a_silent_server_times_out_and_the_from_is_rewritten(
    lookup: DmarcLookup, server: DnsServer, clock: Clock
) -> None:
    started = time.monotonic()
    verdict = lookup.policy("slow.example")
    assert time.monotonic() - started < 3
    assert verdict.policy == "unknown" and verdict.rewrite
    assert server.asked("_dmarc.slow.example") >= 1
    asked = server.asked("_dmarc.slow.example")
    lookup.policy("slow.example")  # a failure is kept a little, not asked again at once
    assert server.asked("_dmarc.slow.example") == asked
    clock.now += dmarc.FAILURE_TTL + 1
    lookup.policy("slow.example")
    assert server.asked("_dmarc.slow.example") > asked


def test_servfail_and_bad_domains_are_unknown(lookup: DmarcLookup, server: DnsServer) -> None:
    assert lookup.policy("broken.example").policy == "unknown"
    before = len(server.queries)
    assert lookup.policy("bad domain.example").policy == "unknown"
    assert lookup.policy("x" * 300 + ".example").policy == "unknown"
    assert len(server.queries) == before  # nothing hostile is sent to the resolver


def test_a_server_that_is_down_is_unknown(clock: Clock) -> None:
    with DnsServer(ZONE) as server:
        address = server.address
    verdict = DmarcLookup([address], timeout=0.3, clock=clock).policy("reject.example")
    assert verdict.policy == "unknown" and verdict.rewrite


def test_rewrite_of_a_post(lookup: DmarcLookup) -> None:
    post = _post("Alice Martin <alice@reject.example>")
    verdict = dmarc.rewrite(
        post, lookup, list_address="gt-logement@lists.example.org", list_title="GT Logement"
    )
    assert verdict is not None and verdict.policy == "reject"
    assert _header_address(post, "From") == (
        "Alice Martin via GT Logement",
        "gt-logement@lists.example.org",
    )
    assert _header_address(post, "Reply-To") == ("Alice Martin", "alice@reject.example")

    kept = _post("Bob <bob@none.example>")
    verdict = dmarc.rewrite(kept, lookup, list_address="gt@lists.example.org", list_title="GT")
    assert verdict is not None and not verdict.rewrite
    assert _header_address(kept, "From") == ("Bob", "bob@none.example")
    assert kept.get("Reply-To") is None

    compat = message_from_bytes(b"From: Carol <carol@lists.parent.example>\r\n\r\nHi\r\n")
    dmarc.rewrite(compat, lookup, list_address="gt@lists.example.org", list_title="GT")
    assert _header_address(compat, "From") == ("Carol via GT", "gt@lists.example.org")


def test_rewrite_of_a_from_without_one_address(lookup: DmarcLookup) -> None:
    post = EmailMessage()
    post["From"] = "a@reject.example, b@none.example"
    assert dmarc.rewrite(post, lookup, list_address="gt@lists.example.org",
                         list_title="GT Logement") is None  # fmt: skip
    assert _header_address(post, "From") == ("GT Logement", "gt@lists.example.org")


def test_a_resolver_that_cannot_be_made_is_unknown(clock: Clock) -> None:
    lookup = DmarcLookup(["not an address"], timeout=0.3, clock=clock)
    verdict = lookup.policy("reject.example")
    assert verdict.policy == "unknown" and verdict.rewrite
