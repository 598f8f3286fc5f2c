"""A member the poster already wrote to (To or Cc) gets no second copy from the list:
their delivery is recorded skipped, with the reason, never silently left out."""

from __future__ import annotations

from sqlalchemy import select

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.delivery import notes
from newsletter.models import DeliveryStatus, PostStatus
from newsletter.service import Service
from newsletter.store.delivery import Delivery
from tests.delivery.smtpd import RecordingServer
from tests.inbound.conftest import imap_settings
from tests.lists.conftest import ADDRESS, add_members, post
from tests.lists.test_relay import relay_all
from tests.support.cli import Cli
from tests.support.dovecot import MailUser


def _deliveries(ctx: Context) -> dict[str, Delivery]:
    with ctx.db.session() as session:
        rows = session.scalars(select(Delivery)).all()
        session.expunge_all()
    return {row.email: row for row in rows}


def test_a_member_in_to_or_cc_is_skipped_with_the_reason(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    add_members(ctx)
    service = Service(Context(settings=imap_settings(settings, mail_user), db=ctx.db))
    mail_user.deliver(
        post(
            "alice@example.org",
            to=f"GT <{ADDRESS}>, Chloé <CHLOE@example.org>",
            Cc="Dan <dan@example.net>",
        )
    )
    assert [r.outcome.value for r in service.intake.poll().results] == ["post"]
    with RecordingServer() as server:
        relay_all(service, server)
    assert [r.recipient for r in server.received] == ["bram@example.be"]
    rows = _deliveries(ctx)
    assert set(rows) == {"bram@example.be", "chloe@example.org"}  # dan is not a member
    chloe = rows["chloe@example.org"]
    assert chloe.status is DeliveryStatus.skipped and chloe.sent_at is None
    assert "copie de l'auteur" in notes.reply_text(chloe.note, chloe.last_reply, "fr")
    assert "kopie van de afzender" in notes.reply_text(chloe.note, chloe.last_reply, "nl")
    assert rows["bram@example.be"].status is DeliveryStatus.sent
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.relayed
    shown = cli("lists", "report", str(view.id), "--json")
    assert shown.code == 0, shown.err
    report = shown.json()
    assert report["skipped"] == 1 and report["sent"] == 1
    [skipped] = [r for r in report["recipients"] if r["email"] == "chloe@example.org"]
    assert skipped["status"] == "skipped" and "copie de l'auteur" in skipped["smtp_reply"]


def test_a_post_written_to_every_member_sends_nothing_and_is_relayed(
    settings: Settings, ctx: Context
) -> None:
    add_members(ctx)
    service = Service(ctx)
    service.intake.ingest_bytes(post("alice@example.org", Cc="bram@example.be, chloe@example.org"))
    with RecordingServer() as server:
        relay_all(service, server)
    assert server.received == []
    rows = _deliveries(ctx)
    assert {e: r.status for e, r in rows.items()} == {
        "bram@example.be": DeliveryStatus.skipped,
        "chloe@example.org": DeliveryStatus.skipped,
    }
    assert all(r.reply_note == "named in the post's To or Cc: the poster's own copy reaches them"
               for r in rows.values())  # fmt: skip
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.relayed
