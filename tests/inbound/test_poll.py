"""`newsletter intake poll` and `intake eml` against a real Dovecot, end to end."""

from __future__ import annotations

import imaplib
import io
import sys
from pathlib import Path

import pytest

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.service import Service
from newsletter.store.intake import poll_lock
from tests.inbound.conftest import EXPECTED, add_partners, corpus, corpus_names, imap_settings
from tests.support.cli import Cli
from tests.support.dovecot import MailUser
from tests.support.ports import free_port


def test_poll_the_whole_corpus(
    cli: Cli, settings: Settings, ctx: Context, mail_user: MailUser
) -> None:
    add_partners(ctx)
    for name in corpus_names():
        mail_user.deliver(corpus(name))
    mail_user.deliver(corpus("18-duplicate.eml"))  # the same message delivered twice
    cli.set(imap_settings(settings, mail_user))

    result = cli("intake", "poll", "--json")
    assert result.code == 0, result.err
    report = result.json()
    outcomes = [m["outcome"] for m in report["messages"]]
    assert outcomes == [*EXPECTED.values(), "ignored"]
    assert report["messages"][-1]["duplicate"] is True
    items = sum(1 for o in EXPECTED.values() if o == "item")
    assert report["counts"] == {
        "item": items,
        "quarantine": 2,
        "bounce": 4,
        "complaint": 0,
        "ignored": 5,
        "post": 0,
    }

    assert mail_user.folder_count("INBOX") == 0
    assert mail_user.folder_count("Quarantine") == 2
    assert mail_user.folder_count("Processed") == len(EXPECTED) + 1 - 2

    news = cli("news", "list", "--json").json()
    assert len(news) == items
    outlook = next(n for n in news if n["title"] == "Journée portes ouvertes – 15 décembre")
    assert outlook["organisation"] == "ASBL Le Soleil" and outlook["status"] == "pending"
    assert outlook["attachments"] == ["Programme journée.pdf"]
    festival = next(n for n in news if n["title"].startswith("Zomerfestival"))
    assert festival["organisation"] == "Buurthuis Noord"
    assert sorted(festival["attachments"]) == [
        "Affiche été 2027 – Schærbeek.pdf",
        "Uitnodiging Brussel – ëvenement zomer.pdf",
    ]

    # polling again creates nothing new
    again = cli("intake", "poll", "--json")
    assert again.code == 0 and again.json()["messages"] == []
    assert len(cli("news", "list", "--json").json()) == items

    # a message put back into the INBOX (e.g. by a mail client) is recognised
    client = imaplib.IMAP4("127.0.0.1", mail_user.server.port)
    try:
        client.login(mail_user.username, mail_user.password)
        client.select("Processed")
        client.uid("COPY", "1", "INBOX")
    finally:
        client.logout()
    third = cli("intake", "poll").out
    assert "ignoré" in third and "Déjà reçu" in third
    assert len(cli("news", "list", "--json").json()) == items

    quarantined = cli("intake", "list", "--outcome", "quarantine", "--json").json()
    assert {q["subject"] for q in quarantined} == {"Repas solidaire", "Annonce"}
    raw = cli("intake", "raw", str(quarantined[0]["id"]))
    assert raw.code == 0


def test_eml_files_and_stdin(
    cli: Cli, ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_partners(ctx)
    path = tmp_path / "message.eml"
    path.write_bytes(corpus("05-outlook-forward-fr.eml"))
    result = cli("intake", "eml", str(path), "--json")
    assert result.code == 0, result.err
    [entry] = result.json()
    assert entry["outcome"] == "item" and entry["news_id"]

    piped = b"From MAILER-DAEMON Mon Nov  9 09:30:12 2026\n" + corpus(
        "20-unknown-sender-latin1.eml"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(piped)))
    result = cli("intake", "eml", "-")
    assert result.code == 0, result.err
    assert "information" in result.out
    news = cli("news", "list", "--json").json()
    assert {n["title"] for n in news} == {
        "Formation premiers secours - session de janvier",
        "Bourse aux vêtements d'hiver",
    }
    assert cli("intake", "eml", str(tmp_path / "missing.eml")).code == 2


def test_poll_without_server_is_a_user_error(cli: Cli) -> None:
    result = cli("intake", "poll")
    assert result.code == 1
    assert "IMAP" in result.err


def test_pipe_asks_the_mta_to_retry_when_nothing_can_be_recorded(
    cli: Cli, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    cli.set(settings.model_copy(update={"database_url": unreachable}))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(corpus("18-duplicate.eml"))))
    result = cli("intake", "eml", "-")
    assert result.code == 75  # EX_TEMPFAIL: Postfix keeps the message and tries again


def test_one_poll_at_a_time(ctx: Context, mail_user: MailUser) -> None:
    """A second process finds the mailbox taken and does nothing (no double moves)."""
    mail_user.deliver(corpus("20-unknown-sender-latin1.eml"))
    service = Service(Context(settings=imap_settings(ctx.settings, mail_user), db=ctx.db))
    lock_file = service.ctx.settings.data_dir / "intake-poll.lock"
    with poll_lock(ctx.db, lock_file) as got:
        assert got
        busy = service.intake.poll()
    assert busy.busy and busy.results == []
    assert mail_user.folder_count("INBOX") == 1
    done = service.intake.poll()
    assert not done.busy and [r.outcome.value for r in done.results] == ["item"]
