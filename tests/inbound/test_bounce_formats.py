"""Real-world bounce formats: found whatever they look like, and never news."""

from __future__ import annotations

from email import message_from_bytes

from newsletter.intake.mail.bounce_codes import Severity
from newsletter.intake.mail.bounces import Action, parse_bounce
from newsletter.models import InboundOutcome
from newsletter.service import Service
from tests.inbound.conftest import add_partners

YAHOO = b"""\
Return-Path: <>
From: MAILER-DAEMON@yahoo.com
To: news@example.org
Subject: failure delivery
Date: Tue, 1 Dec 2026 10:00:00 +0100
Message-ID: <yahoo-1@yahoo.com>

Message from yahoo.com.
Unable to deliver message to the following address(es).

<absent@yahoo.example.com>:
This user doesn't have a yahoo.com account (absent@yahoo.example.com) [0]

<full@yahoo.example.com>:
Sorry your message to full@yahoo.example.com cannot be delivered. This account is over quota.

--- Original message follows.

From: news@example.org
To: absent@yahoo.example.com
Subject: Lettre
"""


def _dsn(blocks: str) -> bytes:
    return f"""\
From: postmaster@relay.example.net
To: news@example.org
Subject: Delivery report
Message-ID: <dsn-x@relay.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Report.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.net

{blocks}
--B--
""".encode()


def test_a_non_standard_bounce_is_read_with_each_address_and_reason() -> None:
    bounce = parse_bounce(message_from_bytes(YAHOO), own_addresses={"news@example.org"})
    assert bounce is not None
    found = {r.address: r for r in bounce.failed}
    assert set(found) == {"absent@yahoo.example.com", "full@yahoo.example.com"}
    assert found["absent@yahoo.example.com"].severity is Severity.hard
    assert found["full@yahoo.example.com"].severity is Severity.soft
    assert found["full@yahoo.example.com"].verdict.reason == "The mailbox is full"


def test_dsn_falls_back_to_original_recipient_and_reads_failure_actions() -> None:
    bounce = parse_bounce(
        message_from_bytes(
            _dsn(
                "Final-Recipient: LOCAL;\nOriginal-Recipient: rfc822; one@example.net\n"
                "Action: failure\nStatus: 5.1.1\n\n"
                "Final-Recipient: rfc822; forwarded@elsewhere.example\n"
                "Original-Recipient: rfc822; two@example.net\nAction: error\nStatus: 5.2.2\n\n"
                "Final-Recipient: rfc822; three@example.net\nAction: delayed\nStatus: 4.4.1\n"
            )
        )
    )
    assert bounce is not None and bounce.format == "rfc3464"
    one, two, three = bounce.recipients
    assert (one.address, one.action) == ("one@example.net", Action.failed)
    assert one.severity is Severity.hard
    assert two.action is Action.failed and two.severity is Severity.soft
    assert two.addresses == ["forwarded@elsewhere.example", "two@example.net"]
    assert three.action is Action.delayed and three not in bounce.failed


def test_a_bounce_is_never_a_news_item_whatever_address_it_reached(service: Service) -> None:
    """No BOUNCE_ADDRESS; bounces sent to the submissions address, one naming no address."""
    add_partners(service.ctx)
    service.ctx.settings = service.ctx.settings.model_copy(update={"bounce_address": ""})
    unreadable = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: actualites@example.org
Subject: Mail delivery failed: returning message to sender
Message-ID: <nothing-1@mx.example.net>

Something went wrong, sorry.
"""
    for data in (YAHOO.replace(b"news@example.org", b"actualites@example.org"), unreadable):
        result = service.intake.ingest_bytes(data)
        assert result.outcome is InboundOutcome.bounce
        assert result.news_id is None
    unmatched = service.intake.unmatched_bounces()
    assert len(unmatched) == 2
    assert "aucune adresse en échec" in unmatched[0].reason_in()
    assert service.console.news_counts().get("pending", 0) == 0
