"""End to end: posts come in through Dovecot (IMAP poll) and the MTA pipe, are moderated
and relayed through the outbox to the recording SMTP server."""

from __future__ import annotations

import asyncio
import io
import sys
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from newsletter.config import Settings, SmtpSecurity
from newsletter.context import Context
from newsletter.delivery.smtp import SmtpPool
from newsletter.models import PostStatus
from newsletter.service import Service
from newsletter.store.delivery import Send
from tests.delivery.smtpd import RecordingServer
from tests.inbound.conftest import imap_settings
from tests.lists.conftest import ADDRESS, MEMBERS, OUTSIDER, add_members, list_file, post, set_list
from tests.support.cli import Cli
from tests.support.dovecot import MailUser


def relay_all(service: Service, server: RecordingServer) -> None:
    settings = service.ctx.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_security": SmtpSecurity.none,
        }
    )
    transport = SmtpPool.from_settings(settings)

    async def run() -> None:
        try:
            await service.lists.relay(service.delivery.worker, transport, asyncio.Event())
        finally:
            await transport.close()

    asyncio.run(run())


def parsed(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=default)


def by_recipient(server: RecordingServer) -> dict[str, EmailMessage]:
    return {r.recipient: parsed(r.data) for r in server.received}


def footer_of(message: EmailMessage) -> str:
    parts = list(message.iter_parts())
    return str(parts[-1].get_content())


def test_a_members_post_reaches_every_other_member_once(
    settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    ids = add_members(ctx)
    service = Service(Context(settings=imap_settings(settings, mail_user), db=ctx.db))
    mail_user.deliver(post("alice@example.org", body="Bonjour, la réunion est jeudi."))
    report = service.intake.poll()
    assert [r.outcome.value for r in report.results] == ["post"]
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.approved and view.sender == "alice@example.org"
    assert mail_user.folder_count("Processed") == 1

    with RecordingServer() as server:
        relay_all(service, server)
        relay_all(service, server)  # run again: nothing is sent twice
    got = by_recipient(server)
    assert sorted(r.recipient for r in server.received) == ["bram@example.be", "chloe@example.org"]
    assert OUTSIDER not in got and "alice@example.org" not in got
    for email, message in got.items():
        assert message["Subject"] == "[GT Logement] Réunion du GT jeudi"
        assert message["List-Id"] == f'"GT Logement" <{ADDRESS.replace("@", ".")}>'
        assert message["List-Post"] == f"<mailto:{ADDRESS}>"
        assert message["List-Archive"] == "<https://news.example.org/lists/logement/archive>"
        assert message["List-Unsubscribe"].startswith("<https://news.example.org/u/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["X-Loop"] == ADDRESS
        assert message["Reply-To"] == ADDRESS
        assert message["Precedence"] == "list"
        assert message["From"] == "Alice <alice@example.org>"
        assert message["Message-ID"] == view.message_id
        body = message.get_body(("plain",))
        assert body is not None and "la réunion est jeudi" in body.get_content()
        footer = footer_of(message)
        unsubscribe = message["List-Unsubscribe"].strip("<>")
        assert unsubscribe in footer and "/preferences/" in footer
        assert ADDRESS in footer
        if MEMBERS[email].value == "nl":
            assert "WG Huisvesting" in footer
        else:
            assert "GT Logement" in footer and "Quitter" in footer
        sender = next(r.sender for r in server.received if r.recipient == email)
        assert sender.startswith("bounces+")
    assert (
        got["bram@example.be"]["List-Unsubscribe"] != got["chloe@example.org"]["List-Unsubscribe"]
    )
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.relayed
    assert ids  # the members were created


def test_a_reply_keeps_one_tag_and_its_thread(settings: Settings, ctx: Context) -> None:
    add_members(ctx)
    service = Service(ctx)
    first = service.intake.ingest_bytes(post("alice@example.org"))
    [original] = service.lists.posts("logement")
    reply = post("bram@example.be", "Re: [GT Logement] Réunion du GT jeudi",
                 In_Reply_To=original.message_id, References=original.message_id)  # fmt: skip
    service.intake.ingest_bytes(reply)
    with RecordingServer() as server:
        relay_all(service, server)
    subjects = {message_from_bytes(r.data, policy=default)["Subject"] for r in server.received}
    assert subjects == {
        "[GT Logement] Réunion du GT jeudi",
        "Re: [GT Logement] Réunion du GT jeudi",
    }
    answer = service.lists.posts("logement")[0]
    assert answer.in_reply_to == original.message_id
    assert first.post_ids == [original.id]


def test_a_non_members_post_is_held_then_approved_and_relayed(
    cli: Cli, settings: Settings, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_members(ctx)
    piped = post(OUTSIDER, "Logement social : appel à projets", to="Le GT <gt@autre.example>")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped)))
    result = cli("intake", "eml", "-", "--recipient", ADDRESS, "--json")
    assert result.code == 0, result.err
    [record] = result.json()
    assert record["outcome"] == "post"
    held = cli("lists", "posts", "logement", "--status", "held", "--json").json()
    assert [p["sender"] for p in held] == [OUTSIDER]
    assert "n'est pas membre" in held[0]["reason"]
    service = Service(ctx)
    with ctx.db.session() as session:
        assert session.query(Send).count() == 0  # nothing queued while it is held

    approved = cli("lists", "approve", str(held[0]["id"]))
    assert approved.code == 0, approved.err
    with RecordingServer() as server:
        relay_all(service, server)
    assert sorted(r.recipient for r in server.received) == sorted(MEMBERS)
    assert cli("lists", "posts", "logement", "--status", "held", "--json").json() == []


def test_a_rejected_post_is_never_relayed(cli: Cli, settings: Settings, ctx: Context) -> None:
    add_members(ctx)
    service = Service(ctx)
    service.intake.ingest_bytes(post(OUTSIDER))
    [held] = service.lists.posts("logement", PostStatus.held)
    bad = cli("lists", "reject", str(held.id), "--reason", "  ")
    assert bad.code == 1
    done = cli("lists", "reject", str(held.id), "--reason", "Hors sujet pour le GT")
    assert done.code == 0, done.err
    [view] = service.lists.posts("logement", PostStatus.rejected)
    assert view.note == "Hors sujet pour le GT" and view.decided_by == "cli"
    assert cli("lists", "approve", "999").code == 1
    with ctx.db.session() as session:
        assert session.query(Send).count() == 0


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied", "Subject": "Absent du bureau"}, "Automatic"),
        ({"List_Id": f"<{ADDRESS.replace('@', '.')}>"}, "Loop"),
        ({"X_Loop": ADDRESS}, "Loop"),
        ({"Precedence": "bulk"}, "Bulk"),
    ],
)
def test_automatic_mail_and_loops_are_dropped_and_recorded(
    settings: Settings, ctx: Context, headers: dict[str, str], why: str
) -> None:
    add_members(ctx)
    service = Service(ctx)
    subject = headers.pop("Subject", "Réunion")
    service.intake.ingest_bytes(post("alice@example.org", subject, **headers))
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.dropped
    assert view.reason is not None and view.reason.msgid.startswith(why)
    with ctx.db.session() as session:
        assert session.query(Send).count() == 0


def test_new_senders_wait_until_trusted(settings: Settings, ctx: Context) -> None:
    set_list(settings, list_file(moderation="new-senders"))
    add_members(ctx)
    service = Service(ctx)
    service.intake.ingest_bytes(post("alice@example.org", "Premier message"))
    [first] = service.lists.posts("logement")
    assert first.status is PostStatus.held
    assert first.reason is not None and "First post" in first.reason.msgid
    service.lists.approve(first.id, by="coordination@example.org", trust=True)
    service.intake.ingest_bytes(post("alice@example.org", "Deuxième message"))
    second = service.lists.posts("logement")[0]
    assert second.status is PostStatus.approved


def test_oversized_and_refused_attachments_are_held(settings: Settings, ctx: Context) -> None:
    set_list(settings, list_file(extra="  max_bytes: 5000\n  attachments: [application/pdf]\n"))
    add_members(ctx)
    service = Service(ctx)
    service.intake.ingest_bytes(post("alice@example.org", "Gros", body="x" * 6000))
    message = parsed(post("chloe@example.org", "Programme"))
    message.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                           filename="programme.exe")  # fmt: skip
    service.intake.ingest_bytes(message.as_bytes())
    reasons = {p.subject: p.reason.msgid for p in service.lists.posts("logement") if p.reason}
    assert reasons["Gros"].startswith("Too large")
    assert reasons["Programme"].startswith("Attachment type")


def test_dmarc_failure_at_our_server_is_held(settings: Settings, ctx: Context) -> None:
    ours = settings.model_copy(update={"intake_authserv_id": "mx.reseau.example"})
    add_members(ctx)
    service = Service(Context(settings=ours, db=ctx.db))
    results = "mx.reseau.example; spf=fail smtp.mailfrom=example.org; dmarc=fail"
    service.intake.ingest_bytes(post("alice@example.org", Authentication_Results=results))
    [view] = service.lists.posts("logement")
    assert view.status is PostStatus.held
    assert view.reason is not None and view.reason.msgid.startswith("DMARC failed")
