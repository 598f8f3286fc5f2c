"""A send whose recipient later bounces: the DSN comes back through the mailbox and
`issue status` shows that recipient as bounced (the subscriber too)."""

from __future__ import annotations

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.models import InboundOutcome, SubscriberStatus
from newsletter.service import Service
from newsletter.service.intake import IntakeService
from newsletter.store.audience import Subscriber
from tests.inbound.conftest import SendIssue, add_recipients, corpus, imap_settings
from tests.support.cli import Cli
from tests.support.dovecot import MailUser

ABSENT = "absent@destinataire.example.net"
PRESENT = "present@destinataire.example.net"


def test_dsn_after_a_send_marks_the_recipient_bounced(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser, send_issue: SendIssue
) -> None:
    add_recipients(ctx, ABSENT, PRESENT)
    sent = send_issue(imap_settings(settings, mail_user), title="Lettre de novembre")
    issue_id = str(sent.issue_id)
    assert ABSENT in sent.received and PRESENT in sent.received
    verp = sent.sender(ABSENT)
    assert verp.startswith("bounces+") and verp.endswith("@example.org")

    # the remote server refuses the address later: Postfix sends a DSN to the VERP address
    dsn = corpus("12-dsn-postfix.eml").replace(b"bounces+VERPTOKEN@example.org", verp.encode())
    mail_user.deliver(dsn)
    polled = cli("intake", "poll", "--json")
    assert polled.code == 0, polled.err
    [message] = polled.json()["messages"]
    assert message["outcome"] == "bounce"
    [bounce] = message["bounces"]
    assert bounce["recipient"] == ABSENT and bounce["hard"] and bounce["delivery_id"]

    status = cli("issue", "status", issue_id, "--json").json()
    assert status["bounced"] == 1
    assert status["sent"] == status["total"] - 1
    with ctx.db.session() as session:
        absent = session.query(Subscriber).filter_by(email_key=ABSENT).one()
        present = session.query(Subscriber).filter_by(email_key=PRESENT).one()
        assert absent.status is SubscriberStatus.bounced
        assert present.status is SubscriberStatus.active

    # the same DSN again (a second copy from the relay) is recorded once
    mail_user.deliver(dsn)
    again = cli("intake", "poll", "--json").json()
    assert [m["outcome"] for m in again["messages"]] == ["ignored"]
    assert cli("issue", "status", issue_id, "--json").json()["bounced"] == 1


def test_soft_bounces_count_towards_the_limit(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser, send_issue: SendIssue
) -> None:
    """A full mailbox (Exim, 5.2.2) is soft: the subscriber stays active below the limit."""
    add_recipients(ctx, ABSENT, PRESENT)
    sent = send_issue(imap_settings(settings, mail_user), bounce_limit=2)
    issue_id = str(sent.issue_id)
    verp = sent.sender(ABSENT)
    soft = corpus("15-exim-text-bounce.eml").replace(
        b"bounces+VERPTOKEN@example.org", verp.encode()
    )
    mail_user.deliver(soft)
    [message] = cli("intake", "poll", "--json").json()["messages"]
    assert message["outcome"] == "bounce" and message["bounces"][0]["hard"] is False
    assert cli("issue", "status", issue_id, "--json").json()["bounced"] == 1
    with ctx.db.session() as session:
        absent = session.query(Subscriber).filter_by(email_key=ABSENT).one()
        assert absent.status is SubscriberStatus.active and absent.bounce_count == 1


def test_interrupted_bounce_is_applied_later(
    cli: Cli, settings: Settings, ctx: Context, send_issue: SendIssue
) -> None:
    """The bounce is recorded first and counted after; if counting did not happen (a
    crash in between), the next poll does it, once."""
    add_recipients(ctx, ABSENT, PRESENT)
    sent = send_issue(settings)
    issue_id = str(sent.issue_id)
    verp = sent.sender(ABSENT)
    dsn = corpus("13-ndr-exchange.eml").replace(b"bounces+VERPTOKEN@example.org", verp.encode())
    recorded_only = IntakeService(ctx)  # no delivery service: records, counts nothing
    assert recorded_only.ingest_bytes(dsn).outcome is InboundOutcome.bounce
    assert cli("issue", "status", issue_id, "--json").json()["bounced"] == 0
    service = Service(ctx)
    assert service.intake.apply_pending_bounces() == 1
    assert service.intake.apply_pending_bounces() == 0
    assert cli("issue", "status", issue_id, "--json").json()["bounced"] == 1
