"""How a sender was authenticated, shown to the coordinator; a forged partner address
is marked "sender not verified"."""

from __future__ import annotations

import base64
import subprocess
from email import message_from_bytes
from pathlib import Path

import dkim

from newsletter.intake.mail.authentication import check_dkim, from_header
from newsletter.service import Service
from newsletter.store.editorial import NewsItem
from tests.inbound.conftest import add_partners

PARTNER = "Communication@ASBL-Soleil.example.org"
NOT_VERIFIED = "Expéditeur non vérifié"


def _mail(*headers: str, sender: str = PARTNER, mid: str = "auth-1") -> bytes:
    lines = [
        *headers,
        f"From: ASBL Le Soleil <{sender}>",
        "To: actualites@example.org",
        "Subject: Fête de quartier",
        f"Message-ID: <{mid}@asbl-soleil.example.org>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "La fête de quartier a lieu samedi, place communale.",
        "",
    ]
    return "\r\n".join(lines).encode()


def _note(service: Service, data: bytes) -> str:
    result = service.intake.ingest_bytes(data)
    assert result.news_id is not None
    with service.ctx.db.session() as session:
        item = session.get(NewsItem, result.news_id)
        assert item is not None
        return str(item.note)


def test_forged_partner_address_is_marked_not_verified(service: Service) -> None:
    add_partners(service.ctx)
    settings = service.ctx.settings.model_copy(
        update={"intake_authserv_id": "mx.example.org", "intake_dkim_verify": False}
    )
    service.ctx.settings = settings
    # no authentication at all
    plain = _note(service, _mail(mid="a1"))
    assert plain.startswith(NOT_VERIFIED)
    assert "aucune information" in plain
    # the forger writes its own "pass" results: another authserv-id, not trusted
    forged = _note(
        service,
        _mail("Authentication-Results: evil.example; dmarc=pass; dkim=pass", mid="a2"),
    )
    assert forged.startswith(NOT_VERIFIED)
    # our server's results: DMARC passed
    trusted = _note(
        service,
        _mail(
            "Authentication-Results: mx.example.org;"
            " spf=pass smtp.mailfrom=asbl-soleil.example.org;"
            " dkim=pass header.d=asbl-soleil.example.org header.s=sel; dmarc=pass (p=none)"
            " header.from=asbl-soleil.example.org",
            mid="a3",
        ),
    )
    assert NOT_VERIFIED not in trusted
    assert "SPF pass, DKIM pass (asbl-soleil.example.org), DMARC pass" in trusted
    # our server says SPF failed and DKIM passed for another domain: not verified
    other = _note(
        service,
        _mail(
            "Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=x@evil.example;"
            " dkim=pass header.d=evil.example",
            mid="a4",
        ),
    )
    assert other.startswith(NOT_VERIFIED)


def test_trusted_header_alignment() -> None:
    def verified(value: str) -> bool:
        found = from_header(message_from_bytes(_mail(value)), "MX.example.org")
        assert found is not None
        return found.verified

    assert verified("Authentication-Results: mx.example.org; dkim=pass header.d=example.org")
    assert verified(
        "Authentication-Results: mx.example.org 1; spf=pass smtp.mailfrom=a@asbl-soleil.example.org"
    )
    assert not verified("Authentication-Results: mx.example.org; dkim=pass header.d=other.example")
    assert not verified("Authentication-Results: mx.example.org; dmarc=fail; spf=softfail")
    assert from_header(message_from_bytes(_mail()), "mx.example.org") is None
    assert from_header(message_from_bytes(_mail()), "") is None


def test_dkim_check_here(tmp_path: Path) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout  # fmt: skip
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"sel._domainkey.asbl-soleil.example.org." else None

    data = _mail(mid="signed")
    signature = dkim.sign(data, b"sel", b"asbl-soleil.example.org", key.read_bytes(),
                          include_headers=[b"From", b"Subject", b"Message-ID"])  # fmt: skip
    signed = signature + data
    good = check_dkim(signed, message_from_bytes(signed), dnsfunc=dns)
    assert good.dkim == "pass" and good.verified and good.domain == "asbl-soleil.example.org"
    tampered = signed.replace(b"samedi", b"dimanche")
    bad = check_dkim(tampered, message_from_bytes(tampered), dnsfunc=dns)
    assert bad.dkim == "fail" and not bad.verified
    unsigned = check_dkim(data, message_from_bytes(data), dnsfunc=dns)
    assert unsigned.dkim == "none" and not unsigned.verified
