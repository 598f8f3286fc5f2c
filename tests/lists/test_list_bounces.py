"""A delivery report written to a list's posting address is no post: it goes to the
intake's bounce handling (matched to the copy it is about, or recorded unmatched with
the reason where the coordinator reads bounces)."""

from __future__ import annotations

from sqlalchemy import select

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.models import DeliveryStatus, InboundOutcome, PostStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Delivery
from tests.delivery.smtpd import RecordingServer
from tests.inbound.conftest import corpus, imap_settings
from tests.lists.conftest import ADDRESS, add_members, post
from tests.lists.test_relay import relay_all
from tests.support.dovecot import MailUser

DSN = corpus("12-dsn-postfix.eml")


def _to_list(dsn: bytes, *, failed: str, verp: str = "bounces+VERPTOKEN@example.org") -> bytes:
    """The Postfix DSN, sent to the list address (a server that answered the copy's
    From) about ``failed``; the returned headers carry ``verp`` as their Return-Path."""
    data = dsn.replace(
        b"Delivered-To: bounces+VERPTOKEN@example.org", f"Delivered-To: {ADDRESS}".encode()
    )
    data = data.replace(b"To: bounces+VERPTOKEN@example.org", f"To: {ADDRESS}".encode())
    data = data.replace(b"bounces+VERPTOKEN@example.org", verp.encode())
    return data.replace(b"absent@destinataire.example.net", failed.encode())


def test_a_dsn_to_the_list_address_bounces_the_copy_it_is_about(
    settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    add_members(ctx)
    service = Service(Context(settings=imap_settings(settings, mail_user), db=ctx.db))
    service.intake.ingest_bytes(post("alice@example.org"))
    with RecordingServer() as server:
        relay_all(service, server)
    verp = next(r.sender for r in server.received if r.recipient == "chloe@example.org")
    assert verp.startswith("bounces+")

    mail_user.deliver(_to_list(DSN, failed="chloe@example.org", verp=verp))
    [result] = service.intake.poll().results
    assert result.outcome is InboundOutcome.bounce and result.post_ids == []
    [bounce] = result.bounces
    assert bounce["recipient"] == "chloe@example.org" and bounce["delivery_id"]
    assert bounce["hard"] and bounce["counted"]
    assert [p.status for p in service.lists.posts("logement")] == [PostStatus.relayed]
    with ctx.db.session() as session:
        row = session.get(Delivery, bounce["delivery_id"])
        assert row is not None and row.email == "chloe@example.org"
        assert row.status is DeliveryStatus.bounced
        chloe = session.scalar(
            select(Subscriber).where(Subscriber.email_key == "chloe@example.org")
        )
        assert chloe is not None and chloe.bounce_count == 1


def test_an_unmatched_dsn_to_the_list_is_a_bounce_the_coordinator_reads(
    settings: Settings, ctx: Context
) -> None:
    add_members(ctx)
    service = Service(ctx)
    result = service.intake.ingest_bytes(_to_list(DSN, failed="someone@elsewhere.example"))
    assert result.outcome is InboundOutcome.bounce and result.post_ids == []
    assert service.lists.posts("logement") == []  # not a dropped post
    [shown] = service.intake.unmatched_bounces()
    assert shown.id == result.record_id
    assert shown.reason is not None and shown.reason.msgid.startswith("Unmatched bounce")
    assert "Rebond non rattaché" in shown.reason_in("fr")
    assert "someone@elsewhere.example" in shown.reason_in("fr")


def test_an_out_of_office_reply_to_the_list_stays_a_dropped_post(
    settings: Settings, ctx: Context
) -> None:
    add_members(ctx)
    service = Service(ctx)
    reply = post("bram@example.be", "Afwezig: Réunion", Auto_Submitted="auto-replied")
    result = service.intake.ingest_bytes(reply)
    assert result.outcome is InboundOutcome.post
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.dropped
