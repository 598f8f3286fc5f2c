"""The relay of a post from a domain that publishes p=reject: From rewritten, replies
still reach the poster; every copy DKIM-signed, verified with dkimpy against the key
published in the local DNS server."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dkim
import dns.resolver
import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.mailinglist import dmarc
from newsletter.models import Language, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from tests.delivery.smtpd import RecordingServer
from tests.lists.conftest import ADDRESS, add_members, post
from tests.lists.test_relay import parsed, relay_all
from tests.support.dnsserver import DnsServer, txt_strings

SELECTOR = "lists2026"


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    public = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout  # fmt: skip
    return path, "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()


@pytest.fixture
def zone_server(key: tuple[Path, str]) -> Iterator[DnsServer]:
    zone = (
        "$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n"
        '_dmarc.strict.example. IN TXT "v=DMARC1; p=reject"\n'
        '_dmarc.soft.example. IN TXT "v=DMARC1; p=none"\n'
        f"{SELECTOR}._domainkey.reseau.example. IN TXT {txt_strings(key[1])}\n"
    )
    with DnsServer(zone) as server:
        yield server


@pytest.fixture
def signed(
    settings: Settings, ctx: Context, key: tuple[Path, str], zone_server: DnsServer
) -> Service:
    dmarc._LOOKUPS.clear()  # a lookup (and its cache) per resolver address: a fresh server
    changed = settings.model_copy(update={
        "dmarc_nameservers": [zone_server.address], "dkim_domain": "reseau.example",
        "dkim_selector": SELECTOR, "dkim_key_file": key[0],
    })  # fmt: skip
    return Service(Context(settings=changed, db=ctx.db))


def _member(ctx: Context, email: str, name: str) -> None:
    with ctx.db.session() as session:
        session.add(Subscriber(email=email, email_key=email, name=name, language=Language.fr,
                               status=SubscriberStatus.active, groups=["logement"]))  # fmt: skip


def _dns(server: DnsServer):  # type: ignore[no-untyped-def]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", server.port)]

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        answer = resolver.resolve(name.decode(), "TXT")
        return b"".join(b"".join(r.strings) for r in answer)

    return lookup


def test_reject_domain_gets_the_from_rewrite_and_copies_are_signed(
    signed: Service, ctx: Context, zone_server: DnsServer
) -> None:
    add_members(ctx)
    _member(ctx, "eve@strict.example", "Ève Dupont")
    _member(ctx, "sam@soft.example", "Sam")
    raw = post("eve@strict.example", body="Bonjour, une question sur le bail.")
    raw = raw.replace(b"From: Eve <eve@strict.example>",
                      b"From: =?utf-8?q?=C3=88ve_Dupont?= <eve@strict.example>")  # fmt: skip
    signed.intake.ingest_bytes(raw)
    signed.intake.ingest_bytes(post("sam@soft.example", "Autre sujet"))
    first = signed.lists.open_relays()[0]
    signed.lists.message_factory(first)  # the look-up is made here, in the caller's thread
    assert zone_server.asked("_dmarc.strict.example") == 1
    with RecordingServer() as server:
        relay_all(signed, server)
    copies = [r for r in server.received if b"bail" in r.data]
    assert {r.recipient for r in copies} == {"alice@example.org", "bram@example.be",
                                            "chloe@example.org", "sam@soft.example"}  # fmt: skip
    lookup = _dns(zone_server)
    for received in copies:
        message = parsed(received.data)
        assert message["From"].addresses[0].addr_spec == ADDRESS
        title = "WG Huisvesting" if received.recipient == "bram@example.be" else "GT Logement"
        assert message["From"].addresses[0].display_name == f"Ève Dupont via {title}"
        assert message["Reply-To"] == ADDRESS  # this list's replies go to the list
        assert [a.addr_spec for a in message["Cc"].addresses] == ["eve@strict.example"]
        assert received.data.startswith(b"DKIM-Signature:")
        assert dkim.verify(received.data, dnsfunc=lookup)
        assert not dkim.verify(received.data.replace(b"bail", b"loyer"), dnsfunc=lookup)
    soft = [r for r in server.received if r.recipient == "alice@example.org"
            and b"Autre sujet" in r.data]  # fmt: skip
    assert len(soft) == 1
    message = parsed(soft[0].data)
    assert message["From"] == "Sam <sam@soft.example>"  # p=none: kept as written
    assert message["Cc"] is None
    assert zone_server.asked("_dmarc.strict.example") == 1  # once per post, then cached


def _signed_names(data: bytes) -> list[str]:
    signature = parsed(data)["DKIM-Signature"]
    tags = dict(t.strip().split("=", 1) for t in str(signature).split(";") if "=" in t)
    return [n.strip().casefold() for n in "".join(tags["h"].split()).split(":")]


def test_a_copy_signs_cc_list_post_archive_and_the_thread_headers(
    signed: Service, ctx: Context, zone_server: DnsServer
) -> None:
    add_members(ctx)
    _member(ctx, "sam@soft.example", "Sam")
    first = post("sam@soft.example", "Ordre du jour", body="Premier message du fil.")
    signed.intake.ingest_bytes(first)
    [original] = signed.lists.posts("logement")
    reply = post("sam@soft.example", "Re: [GT Logement] Ordre du jour",
                 Cc="Zoe <zoe@ailleurs.example>", In_Reply_To=original.message_id,
                 References=original.message_id, body="Une réponse dans le fil.")  # fmt: skip
    signed.intake.ingest_bytes(reply)
    with RecordingServer() as server:
        relay_all(signed, server)
    lookup = _dns(zone_server)
    answers = [r for r in server.received if parsed(r.data)["Subject"].startswith("Re:")]
    starts = [r for r in server.received if r not in answers]
    assert answers and starts
    for received in answers:
        names = _signed_names(received.data)
        for header in ("cc", "list-post", "list-archive", "in-reply-to", "references", "from",
                       "list-id", "list-unsubscribe", "subject"):  # fmt: skip
            assert header in names, header
        assert dkim.verify(received.data, dnsfunc=lookup)
        for changed in (
            received.data.replace(b"zoe@ailleurs.example", b"eve@ailleurs.example"),
            received.data.replace(b"/lists/logement/archive", b"/lists/autre/archive"),
            received.data.replace(b"References: <", b"References: <x"),
            received.data.replace(b"In-Reply-To: <", b"In-Reply-To: <x"),
            received.data.replace(b"List-Post: <mailto:gt-", b"List-Post: <mailto:xt-"),
        ):
            assert changed != received.data
            assert not dkim.verify(changed, dnsfunc=lookup)
    for received in starts:  # the first post has no Cc nor thread headers: none signed
        names = _signed_names(received.data)
        assert "cc" not in names and "in-reply-to" not in names and "references" not in names
        assert "list-post" in names and "list-archive" in names
        assert dkim.verify(received.data, dnsfunc=lookup)
