"""The moderation queue shows the coordinator what the e-mail intake could not trust:
bounces that proved no delivery, and partner addresses nothing confirms."""

from __future__ import annotations

from newsletter.service import Service
from tests.inbound.conftest import add_partners
from tests.web.conftest import Browser

FORGED_DSN = b"""\
From: MAILER-DAEMON@mx.attaquant.example.com
To: actualites@example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <forged-1@mx.attaquant.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.attaquant.example.com

Final-Recipient: rfc822; victime@example.net
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

Message-ID: <issue-3.2@example.org>

--B--
"""

PARTNER_MAIL = b"""\
From: ASBL Le Soleil <Communication@ASBL-Soleil.example.org>
To: actualites@example.org
Subject: Brocante du dimanche
Message-ID: <brocante-1@asbl-soleil.example.org>
Content-Type: text/plain; charset=utf-8

Grande brocante dimanche, rue de l'Exemple.
"""


def test_queue_lists_unmatched_bounces_and_unverified_senders(
    service: Service, console: Browser
) -> None:
    add_partners(service.ctx)
    service.ctx.settings = service.ctx.settings.model_copy(update={"intake_dkim_verify": False})
    assert service.intake.ingest_bytes(FORGED_DSN).outcome.value == "bounce"
    assert service.intake.ingest_bytes(PARTNER_MAIL).outcome.value == "item"
    page = console.get("/console/news")
    assert page.status_code == 200
    assert "Rebonds rattachés à aucun envoi" in page.text
    assert "victime@example.net" in page.text and "Rien n&#39;a été modifié" in page.text
    assert "Expéditeur non vérifié" in page.text
