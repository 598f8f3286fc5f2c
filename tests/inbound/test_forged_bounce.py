"""Forged bounces change no one: a report must prove it is about one of our deliveries
(VERP token or signed Message-ID) and name that delivery's address."""

from __future__ import annotations

from email.utils import make_msgid

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.models import DeliveryStatus, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Delivery
from tests.inbound.conftest import SendIssue, add_recipients, imap_settings
from tests.support.cli import Cli
from tests.support.dovecot import MailUser

VICTIM = "victime@destinataire.example.net"
OTHER = "autre@destinataire.example.net"


def _dsn(*, to: str, recipient: str, message_id: str, return_path: str = "") -> bytes:
    """A DSN as anyone can write one, sent to ``to``, quoting an original message."""
    original = f"Return-Path: <{return_path}>\n" if return_path else ""
    return f"""\
Return-Path: <>
Delivered-To: {to}
From: MAILER-DAEMON@mx.attaquant.example.com (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: Tue, 1 Dec 2026 10:00:00 +0100
Message-ID: {make_msgid(domain="mx.attaquant.example.com")}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.attaquant.example.com

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

{original}From: Coordination sociale <news@example.org>
To: {recipient}
Subject: Lettre
Message-ID: {message_id}

--B--
""".replace("\n", "\r\n").encode()


def _statuses(ctx: Context) -> dict[str, tuple[SubscriberStatus, int]]:
    with ctx.db.session() as session:
        return {s.email_key: (s.status, s.bounce_count) for s in session.query(Subscriber)}


def test_forged_dsn_naming_a_guessed_message_id_changes_no_one(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser, send_issue: SendIssue
) -> None:
    ids = add_recipients(ctx, VICTIM, OTHER)
    sent = send_issue(imap_settings(settings, mail_user), title="Lettre")
    issue_id = sent.issue_id
    assert VICTIM in sent.received
    before = _statuses(ctx)
    with ctx.db.session() as session:
        real = session.query(Delivery).filter_by(email=OTHER).one()
        real_message_id, real_verp_id = real.message_id, real.id
    verp_other = sent.sender(OTHER)

    submissions = "actualites@example.org"
    victim = ids[VICTIM]
    forgeries = [
        # the old, guessable form of the Message-ID, with and without the victim's address
        _dsn(
            to=submissions, recipient=VICTIM, message_id=f"<issue-{issue_id}.{victim}@example.org>"
        ),
        _dsn(
            to=submissions,
            recipient="x@example.com",
            message_id=f"<issue-{issue_id}.{victim}@example.org>",
        ),
        # the signed form with a made-up signature
        _dsn(
            to=submissions,
            recipient=VICTIM,
            message_id=f"<issue-{issue_id}.{victim}.aaaaaaaaaaaa@example.org>",
        ),
        # a real signed Message-ID (of someone else's delivery) but the victim's address
        _dsn(to=submissions, recipient=VICTIM, message_id=real_message_id),
        # a real VERP token (another delivery's) sent with the victim's address
        _dsn(to=verp_other, recipient=VICTIM, message_id="<x@example.org>", return_path=verp_other),
        # a made-up VERP token
        _dsn(
            to=f"bounces+{victim:x}-0123456789ab@example.org",
            recipient=VICTIM,
            message_id="<y@example.org>",
        ),
    ]
    for forged in forgeries:
        mail_user.deliver(forged)
    polled = cli("intake", "poll", "--json")
    assert polled.code == 0, polled.err
    messages = polled.json()["messages"]
    assert len(messages) == len(forgeries)
    for message in messages:
        assert message["outcome"] == "bounce"
        assert all(b["delivery_id"] is None and not b["counted"] for b in message["bounces"])
    assert _statuses(ctx) == before
    with ctx.db.session() as session:
        assert {d.status for d in session.query(Delivery)} == {DeliveryStatus.sent}
        assert session.get(Delivery, real_verp_id) is not None

    # the coordinator sees them, as unmatched, in the CLI and the console's queue
    listed = cli("intake", "list", "--unmatched", "--json")
    assert listed.code == 0, listed.err
    assert len(listed.json()) == len(forgeries)
    assert all(row["unmatched"] for row in listed.json())
    text = cli("intake", "list", "--unmatched").out
    assert "Rebond non rattaché" in text and "Rien n'a été modifié" in text

    # the genuine report of that other delivery (its token, its address) is counted
    genuine = _dsn(to=verp_other, recipient=OTHER, message_id=real_message_id)
    mail_user.deliver(genuine)
    [message] = cli("intake", "poll", "--json").json()["messages"]
    assert [b["delivery_id"] for b in message["bounces"]] == [real_verp_id]
    after = _statuses(ctx)
    assert after[OTHER][0] is SubscriberStatus.bounced
    assert after[VICTIM] == before[VICTIM]

    # the delivery report can say why, in the reader's language
    verdicts = Service(ctx).intake.bounce_verdicts([real_verp_id, 10**9])
    assert list(verdicts) == [real_verp_id]
    verdict = verdicts[real_verp_id]
    assert (verdict.severity, verdict.status) == ("hard", "5.1.1")
    assert verdict.reason is not None
    assert verdict.reason.render("fr").startswith("L'adresse n'existe pas")
    assert verdict.reason.render("nl").startswith("Het adres bestaat niet")


def test_signed_message_id_alone_matches_without_a_bounce_address(
    cli: Cli, settings: Settings, ctx: Context, send_issue: SendIssue
) -> None:
    """Without BOUNCE_ADDRESS the returned original's signed Message-ID is the proof."""
    add_recipients(ctx, VICTIM, OTHER)
    plain = settings.model_copy(update={"bounce_address": ""})
    sent = send_issue(plain)
    assert {sender for sender, _data in sent.received.values()} == {"news@example.org"}
    with ctx.db.session() as session:
        delivery = session.query(Delivery).filter_by(email=VICTIM).one()
        delivery_id, signed = delivery.id, delivery.message_id
    path = plain.data_dir.parent / "bounce.eml"
    path.write_bytes(_dsn(to="news@example.org", recipient=VICTIM, message_id=signed))
    result = cli("intake", "eml", str(path), "--json")
    assert result.code == 0, result.err
    [message] = result.json()
    assert [b["delivery_id"] for b in message["bounces"]] == [delivery_id]
    assert _statuses(ctx)[VICTIM][0] is SubscriberStatus.bounced
