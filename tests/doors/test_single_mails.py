"""One way to send one e-mail now (``NoticesService.send_raw``): a moderation notice, a
test send of an issue from the console and an acknowledgement of e-mailed news all leave
DKIM-signed when DKIM is configured, as a newsletter does."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest

from newsletter.context import Context
from newsletter.service import Service
from tests.content.sample import build_sample
from tests.inbound.conftest import add_partners, corpus
from tests.support.fixtures import console_of
from tests.web.conftest import Browser
from tests.web.smtp import SmtpServer

SELECTOR = "news2026"


@pytest.fixture
def dkim_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)  # fmt: skip
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout  # fmt: skip
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


@pytest.fixture
def signing(ctx: Context, smtp: SmtpServer, dkim_key: tuple[Path, bytes]) -> Service:
    settings = ctx.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
        "dkim_domain": "example.org", "dkim_selector": SELECTOR, "dkim_key_file": dkim_key[0],
        "intake_acknowledge": True,
    })  # fmt: skip
    return Service(Context(settings=settings, db=ctx.db))


@pytest.fixture
def signing_console(signing: Service) -> Iterator[Browser]:
    with console_of(signing) as browser:
        yield browser


def _verifies(data: bytes, record: bytes) -> bool:
    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.example.org.".encode()
        return record

    return bool(dkim.verify(data, dnsfunc=dns))


def test_every_single_mail_is_signed(
    signing: Service, signing_console: Browser, smtp: SmtpServer, dkim_key: tuple[Path, bytes]
) -> None:
    record = dkim_key[1]
    # a moderation notice
    item = signing.editorial.submit_news(title="Atelier", body="x", sender="p@example.net")
    signing.moderation.moderate(item.id, "reject", reason="Hors sujet", by="cli")
    # a test send from the console
    with signing.ctx.db.session() as session:
        issue_id = build_sample(session, signing.ctx.settings)
    signing_console.get(f"/console/issues/{issue_id}")
    sent = signing_console.post(f"/console/issues/{issue_id}/test",
                                {"email": "test@example.net", "lang": "fr"})  # fmt: skip
    assert sent.status_code == 303
    # an acknowledgement of news sent by e-mail (null envelope sender)
    add_partners(signing.ctx)
    signing.intake.ingest_bytes(corpus("01-outlook-cp1252-related.eml"))

    received = smtp.recorder.wait_for(3)
    assert [m.recipients for m in received] == [
        ["p@example.net"],
        ["test@example.net"],
        ["communication@asbl-soleil.example.org"],
    ]
    for message in received:
        assert message.data.startswith(b"DKIM-Signature:")
        assert _verifies(message.data, record)
    assert received[0].sender == "bounces@example.org"
    assert received[2].sender in ("", "<>")  # null sender (RFC 3834)


async def test_a_notice_sent_from_a_running_event_loop_leaves(
    ctx: Context, smtp: SmtpServer
) -> None:
    settings = ctx.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none"}
    )
    service = Service(Context(settings=settings, db=ctx.db))
    # an async caller (a coroutine of serve): asyncio.run would refuse here
    service.notices.send("lecteur@example.org", "Objet", "Bonjour.")
    (received,) = smtp.recorder.wait_for(1)
    assert received.recipients == ["lecteur@example.org"]
    assert b"Bonjour." in received.data
