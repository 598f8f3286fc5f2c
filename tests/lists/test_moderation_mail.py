"""The mail side of moderation: when the poster was told (stored, shown in the console
and the CLI), and posts held for their size, approved within the list's hard limit or
refused with the reason while nothing is lost."""

from __future__ import annotations

import html
import io
import sys
from collections.abc import Generator, Iterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest

from newsletter.config import Settings, SmtpSecurity
from newsletter.context import Context
from newsletter.errors import ValidationError
from newsletter.models import PostStatus
from newsletter.service import Service
from newsletter.store.base import utcnow
from newsletter.store.mailinglist import ListPost
from tests.delivery.smtpd import RecordingServer
from tests.inbound.conftest import imap_settings
from tests.lists.conftest import MEMBERS, OUTSIDER, add_members, list_file, post, set_list
from tests.lists.test_relay import relay_all
from tests.support.cli import Cli
from tests.support.dovecot import MailUser
from tests.support.fixtures import console_of
from tests.support.ports import free_port
from tests.web.conftest import Browser


@pytest.fixture
def smtp() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def _mailing(settings: Settings, server: RecordingServer) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": server.port,
                                       "smtp_security": SmtpSecurity.none})  # fmt: skip


def _console(service: Service) -> Generator[Browser, None, None]:
    with console_of(service) as browser:
        yield browser


def test_when_the_poster_was_told_is_stored_and_shown(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser, smtp: RecordingServer
) -> None:
    add_members(ctx)
    mailing = _mailing(imap_settings(settings, mail_user), smtp)
    service = Service(Context(settings=mailing, db=ctx.db))
    before = utcnow() - timedelta(seconds=1)
    mail_user.deliver(post(OUTSIDER, "Appel à projets"))
    assert [r.outcome.value for r in service.intake.poll().results] == ["post"]
    [notice] = [r for r in smtp.received if r.recipient == OUTSIDER]
    assert "attend un modérateur" in message_from_bytes(notice.data, policy=default)["Subject"]
    [held] = service.lists.posts("logement", PostStatus.held)
    assert held.held_notified_at is not None and before <= held.held_notified_at <= utcnow()
    assert held.rejected_notified_at is None

    listed = cli("lists", "posts", "logement", "--json").json()
    assert listed[0]["held_notified_at"] == held.held_notified_at.isoformat()
    assert listed[0]["rejected_notified_at"] is None
    pages = _console(service)
    browser = next(pages)
    page = browser.get("/console/lists/posts?status=held").text
    assert "Auteur informé que le message attend un modérateur" in page

    service.lists.reject(held.id, reason="Hors sujet", by="coordination@example.org")
    told = [r for r in smtp.received if r.recipient == OUTSIDER]
    assert len(told) == 2 and b"Hors sujet" in told[1].data
    rejected = service.lists.get(held.id)
    assert rejected.rejected_notified_at is not None
    assert rejected.rejected_notified_at >= held.held_notified_at
    assert rejected.held_notified_at == held.held_notified_at
    page = html.unescape(browser.get("/console/lists/posts?status=rejected").text)
    assert "Auteur informé que le message n'a pas été relayé" in page
    pages.close()


def test_a_poster_not_told_has_no_time_and_the_console_says_so(
    settings: Settings, ctx: Context, smtp: RecordingServer
) -> None:
    add_members(ctx)
    service = Service(Context(settings=_mailing(settings, smtp), db=ctx.db))
    quiet = post(OUTSIDER, "Programme", X_Auto_Response_Suppress="All")  # must not be answered
    service.intake.ingest_bytes(quiet)
    assert smtp.received == []
    [held] = service.lists.posts("logement", PostStatus.held)
    assert held.held_notified_at is None
    pages = _console(service)
    page = next(pages).get("/console/lists/posts?status=held").text
    assert "informé par e-mail" in page and "Auteur informé que" not in page
    pages.close()
    # no mail server answering: not told, nothing recorded as told
    closed = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": free_port()})
    down = Service(Context(settings=closed, db=ctx.db))
    down.intake.ingest_bytes(post(OUTSIDER, "Deuxième appel"))
    second = down.lists.posts("logement", PostStatus.held)[0]
    assert second.subject == "Deuxième appel" and second.held_notified_at is None


def test_a_post_held_for_its_size_is_approved_within_the_hard_limit(
    settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    set_list(settings, list_file(extra="  max_bytes: 5000\n  hard_max_bytes: 9000\n"))
    add_members(ctx)
    service = Service(Context(settings=imap_settings(settings, mail_user), db=ctx.db))
    mail_user.deliver(post("alice@example.org", "Gros", body="x" * 6000))
    mail_user.deliver(post("chloe@example.org", "Trop gros", body="y" * 12000))
    service.intake.poll()
    held = {p.subject: p for p in service.lists.posts("logement", PostStatus.held)}
    assert held["Gros"].reason is not None and held["Gros"].reason.msgid.startswith("Too large:")
    big = held["Trop gros"]
    assert big.reason is not None and "hard limit" in big.reason.msgid
    assert "limite absolue" in big.reason.render("fr")

    service.lists.approve(held["Gros"].id, by="coordination@example.org")
    with pytest.raises(ValidationError) as refused:
        service.lists.approve(big.id, by="coordination@example.org")
    text = refused.value.localized("fr")
    assert "limite absolue de GT Logement" in text and "hard_max_bytes" in text
    assert "Ko" in text and "refusez-le" in text
    pages = _console(service)
    browser = next(pages)
    browser.get("/console/lists/posts?status=held")
    answer = browser.post(f"/console/lists/posts/{big.id}/decide", {"action": "approve"})
    assert answer.status_code == 303
    page = html.unescape(browser.get(answer.headers["location"]).text)
    assert "au-delà de la limite absolue de GT Logement" in page and "refusez-le" in page
    pages.close()
    with RecordingServer() as server:
        relay_all(service, server)
    assert sorted(r.recipient for r in server.received) == ["bram@example.be", "chloe@example.org"]
    assert all(b"x" * 70 in r.data for r in server.received)
    assert service.lists.get(held["Gros"].id).status is PostStatus.relayed
    # the refused one is still held, whole: nothing dropped
    kept = service.lists.get(big.id)
    assert kept.status is PostStatus.held and kept.decided_at is None
    whole = message_from_bytes(service.lists.raw(big.id), policy=default)
    assert "y" * 12000 in str(whole.get_content())

    # the list's limit raised: it can go out now
    set_list(settings, list_file(extra="  max_bytes: 5000\n  hard_max_bytes: 20000\n"))
    service.lists.approve(big.id, by="coordination@example.org")
    assert service.lists.get(big.id).status is PostStatus.approved


def test_a_post_the_intake_could_not_keep_whole_is_refused_with_the_reason(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    add_members(ctx)
    small = imap_settings(settings, mail_user).model_copy(update={"intake_max_message": 20_000})
    service = Service(Context(settings=small, db=ctx.db))
    mail_user.deliver(post("alice@example.org", "Énorme", body="z" * 30_000))
    service.intake.poll()
    [view] = service.lists.posts("logement", PostStatus.held)
    assert view.reason is not None and view.reason.msgid.startswith("Too large to be read whole")
    with ctx.db.session() as session:
        row = session.get(ListPost, view.id)
        assert row is not None and row.truncated and row.raw  # its head is kept
    with pytest.raises(ValidationError) as refused:
        service.lists.approve(view.id, by="coordination@example.org")
    text = refused.value.localized("fr")
    assert "INTAKE_MAX_MESSAGE" in text and "seuls ses en-têtes" in text
    assert service.lists.get(view.id).status is PostStatus.held


def test_a_piped_post_with_an_envelope_line_can_be_approved(
    cli: Cli, settings: Settings, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The MTA's "From sender date" line is not part of the message: the post is whole."""
    add_members(ctx)
    piped = b"From dan@example.net  Tue Dec  1 10:00:00 2026\n" + post(OUTSIDER, "Appel")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped)))
    assert cli("intake", "eml", "-", "--json").code == 0
    [held] = cli("lists", "posts", "logement", "--status", "held", "--json").json()
    approved = cli("lists", "approve", str(held["id"]))
    assert approved.code == 0, approved.err
    with RecordingServer() as server:
        relay_all(Service(ctx), server)
    assert sorted(r.recipient for r in server.received) == sorted(MEMBERS)
