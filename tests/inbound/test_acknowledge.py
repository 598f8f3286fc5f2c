"""Acknowledgements (INTAKE_ACKNOWLEDGE): only to known people, never to machines, and
never with headers taken from the incoming message."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from newsletter.config import SmtpSecurity
from newsletter.context import Context
from newsletter.service import Service
from tests.delivery.smtpd import RecordingServer
from tests.inbound.conftest import add_partners, corpus
from tests.support.checks import text_body


def test_acknowledgements(ctx: Context) -> None:
    add_partners(ctx)
    with RecordingServer() as smtp:
        settings = ctx.settings.model_copy(
            update={
                "intake_acknowledge": True,
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "smtp_security": SmtpSecurity.none,
            }
        )
        service = Service(Context(settings=settings, db=ctx.db))
        for name in (
            "01-outlook-cp1252-related.eml",  # known: acknowledged
            "08-header-injection.eml",  # known, hostile subject: acknowledged safely
            "11-auto-reply.eml",  # auto-reply: never
            "12-dsn-postfix.eml",  # bounce: never
            "20-unknown-sender-latin1.eml",  # unknown sender: never
            "21-mailing-list.eml",  # mailing list: never
        ):
            service.intake.ingest_bytes(corpus(name))
    assert [r.recipient for r in smtp.received] == [
        "communication@asbl-soleil.example.org",
        "communication@asbl-soleil.example.org",
    ]
    assert all(r.sender in ("", "<>") for r in smtp.received)  # null sender (RFC 3834)
    first, hostile = (
        email.message_from_bytes(r.data, _class=EmailMessage, policy=policy.default)
        for r in smtp.received
    )
    assert first["Auto-Submitted"] == "auto-replied"
    assert first["In-Reply-To"] == (
        "<AM0PR01MB4132A1B2C3D4E5F60718293AB4CD5@AM0PR01MB4132.eurprd01.prod.example.org>"
    )
    assert "Journée portes ouvertes" in first["Subject"]
    # in the partner's language only (a French-speaking contact)
    assert "votre information « Journée" in text_body(first)
    assert "uw nieuws" not in text_body(first) and first["Content-Language"] == "fr"
    assert hostile["Bcc"] is None and hostile["X-Injected"] is None
    assert hostile["To"] == "communication@asbl-soleil.example.org"
    assert "\n" not in str(hostile["Subject"])
    raw_headers = smtp.received[1].data.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in raw_headers and b"\nX-Injected" not in raw_headers
    records = service.intake.messages()
    assert sum(1 for r in records if r.outcome == "item") == 4
