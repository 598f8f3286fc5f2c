"""The delivery commands end to end: real rendering, real lists, real SMTP servers."""

from __future__ import annotations

import email
import email.policy
import io
import json
import mailbox
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from newsletter.config import SmtpSecurity
from newsletter.delivery.verp import delivery_id_from_address
from newsletter.models import SubscriberStatus
from newsletter.render.preview import message_id
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.tokens import verify
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers
from tests.delivery.smtpd import Faults, RecordingServer
from tests.support.cli import Cli
from tests.test_architecture import SEND_ENGINE_FORBIDDEN, loaded

#: what the ``issue send`` process leaves to its render child (besides the engine's list)
RENDERER_LIBRARIES = ("lxml", "cssutils", "icalendar", "html2text", "nh3", "cmarkgfm")
#: what sending one issue does not need either: the mailing lists, the reports, the
#: directory import, the mail catcher, DKIM without a key, image processing
NOT_FOR_SENDING = (
    "newsletter.mailinglist", "newsletter.service.lists", "newsletter.audience.directory",
    "newsletter.service.results",
    "aiosmtpd", "dkim", "dns", "PIL",
)  # fmt: skip


def _sample(service: Service, count: int = 12) -> tuple[int, list[str]]:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    recipients = add_subscribers(service.ctx, count, prefix="lecteur")
    return issue_id, [r.email for r in recipients]


def test_send_refuses_without_smtp_host(cli: Cli, service: Service) -> None:
    issue_id, _ = _sample(service, 2)
    result = cli("issue", "send", str(issue_id), "--to", "public", "--yes")
    assert result.code == 1
    assert "SMTP" in result.err and "--catcher" in result.err
    assert service.delivery.status(issue_id).status == "draft"


def test_send_asks_first_naming_the_lists(
    cli: Cli, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue_id, _ = _sample(service, 2)
    lists = service.editorial.get_issue(issue_id).lists
    assert lists  # the sample issue has its own lists
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = cli("issue", "send", str(issue_id), "--catcher")
    assert refused.code == 1
    # the question names the issue's own lists, in French
    assert f"Envoyer le numéro {issue_id} aux listes {', '.join(lists)} ?" in refused.out
    assert service.delivery.status(issue_id).status == "draft"  # nobody queued
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    chosen = cli("issue", "send", str(issue_id), "--to", "public", "--catcher")
    assert f"Envoyer le numéro {issue_id} aux listes public ?" in chosen.out


def test_send_into_the_catcher_then_status(cli: Cli, service: Service) -> None:
    settings = service.ctx.settings
    issue_id, emails = _sample(service)
    result = cli("issue", "send", str(issue_id), "--to", "public", "--yes", "--catcher")
    assert result.code == 0, result.err
    status = cli("issue", "status", str(issue_id), "--json").json()
    assert {k: status[k] for k in ("id", "status", "total", "queued", "sent", "failed",
                                   "bounced")} == {
        "id": issue_id, "status": "sent", "total": 12, "queued": 0, "sent": 12, "failed": 0,
        "bounced": 0,
    }  # fmt: skip
    box = mailbox.Maildir(settings.data_dir / "catcher", create=False)
    messages = [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default)
                for k in box.iterkeys()]  # fmt: skip
    assert sorted(m["Delivered-To"] for m in messages) == sorted(emails)
    ids = {d.email: d for d in service.delivery.deliveries(issue_id)}
    with service.ctx.db.session() as session:
        subscribers = {s.email: s.id for s in session.query(Subscriber)}
    for message in messages:
        to = message["Delivered-To"]
        assert message["Message-ID"] == message_id(settings, issue_id, subscribers[to])
        assert message["Message-ID"] == ids[to].message_id
        assert to in message["To"]
        assert message.get_content_type() == "multipart/alternative" or message.is_multipart()
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        sender = message["Return-Path"].strip("<>")
        assert delivery_id_from_address(settings, sender) == ids[to].id
        # the AG invitation carries this recipient's own answer link
        html = next(p for p in message.walk() if p.get_content_type() == "text/html")
        tokens = re.findall(r"/rsvp/([A-Za-z0-9_.-]+)", html.get_content())
        assert tokens, "no RSVP link in the invitation"
        assert {verify(settings, "rsvp", t)["s"] for t in tokens} == {subscribers[to]}
    # running it again sends nobody twice
    again = cli("issue", "send", str(issue_id), "--to", "public", "--yes", "--catcher")
    assert again.code == 1 and "déjà" in again.err
    assert len(box.keys()) == 12


def test_send_over_smtp_records_failures_and_bounces(cli: Cli, service: Service) -> None:
    issue_id, emails = _sample(service, 10)
    gone = emails[3]
    with RecordingServer(Faults(perm={gone})) as server:
        cli.set(service.ctx.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": server.port,
            "smtp_security": SmtpSecurity.none, "smtp_connections": 2,
        }))  # fmt: skip
        result = cli("issue", "send", str(issue_id), "--to", "public", "--yes")
    assert result.code == 0, result.err
    assert "9" in result.out
    assert sorted(server.handler.counts()) == sorted(set(emails) - {gone})
    status = service.delivery.status(issue_id)
    assert (status.sent, status.failed, status.status) == (9, 1, "sent")
    with service.ctx.db.session() as session:
        subscriber = session.query(Subscriber).filter(Subscriber.email == gone).one()
        assert subscriber.bounce_count == 1
        # "550 5.1.1 No such user" is a hard bounce: the address is bounced at once
        assert subscriber.status == SubscriberStatus.bounced
        subscriber_id = subscriber.id
    service.audience.set_status(subscriber_id, "active", reason="address checked by phone")

    # the relay is fixed: the coordinator retries the failed recipient, and only them
    with RecordingServer(Faults()) as fixed:
        cli.set(service.ctx.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": fixed.port,
            "smtp_security": SmtpSecurity.none, "smtp_connections": 2,
        }))  # fmt: skip
        retried = cli("issue", "retry", str(issue_id))
        assert retried.code == 0 and "1 destinataire(s)" in retried.out
        assert service.delivery.status(issue_id).status == "sending"
        result = cli("issue", "send", str(issue_id), "--to", "public", "--yes")
        assert result.code == 0, result.err
    assert list(fixed.handler.counts()) == [gone]
    status = service.delivery.status(issue_id)
    assert (status.sent, status.failed, status.status) == (10, 0, "sent")
    assert service.delivery.retry_failed(issue_id) == 0


def test_pause_resume_cancel_and_schedule(cli: Cli, service: Service) -> None:
    issue_id, _ = _sample(service, 5)
    assert cli("issue", "schedule", str(issue_id), "--at", "2030-01-15T09:00",
               "--to", "public").code == 0  # fmt: skip
    status = service.delivery.status(issue_id)
    assert status.status == "scheduled"
    assert status.scheduled_at is not None
    assert status.scheduled_at.isoformat().startswith("2030-01-15T08:00")  # 09:00 in Brussels
    assert cli("issue", "pause", str(issue_id), "--reason", "relire le PV").code == 0
    shown = cli("issue", "status", str(issue_id), "--json").json()
    assert shown["status"] == "paused" and shown["reason"] == "relire le PV"
    assert cli("issue", "resume", str(issue_id)).code == 0
    resumed = service.delivery.status(issue_id)
    assert (resumed.status, resumed.total, resumed.queued) == ("sending", 5, 5)
    cancelled = cli("issue", "cancel", str(issue_id))
    assert cancelled.code == 0 and "5" in cancelled.out
    final = cli("issue", "status", str(issue_id), "--json").json()
    assert final["status"] == "cancelled" and final["queued"] == 0 and final["reason"]
    bad = cli("issue", "schedule", str(issue_id), "--at", "demain")
    assert bad.code == 1
    assert cli("issue", "status", "9999").code == 1


def test_send_to_an_empty_list_is_refused(cli: Cli, service: Service) -> None:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    result = cli("issue", "send", str(issue_id), "--to", "comite", "--yes", "--catcher")
    assert result.code == 1 and "Personne" in result.err
    assert service.delivery.status(issue_id).status == "draft"
    unknown = cli("issue", "send", str(issue_id), "--to", "inconnue", "--yes", "--catcher")
    assert unknown.code == 1 and "inconnue" in unknown.err


def test_send_with_two_processes_reaches_everyone_once(cli: Cli, service: Service) -> None:
    issue_id, emails = _sample(service, 400)
    # the second process imports from cached bytecode
    cli.monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    cache = Path(tempfile.gettempdir()) / "newsletter-test-pycache"
    cli.monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(cache))
    # the first replies wait until three connections asked (2 per process): both
    # processes are at work together however long the second one takes to start
    with RecordingServer(Faults(hold_until_connections=3)) as server:
        cli.set(service.ctx.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": server.port,
            "smtp_security": SmtpSecurity.none, "smtp_connections": 4, "send_batch_size": 20,
        }))  # fmt: skip
        result = cli("issue", "send", str(issue_id), "--to", "public", "--yes",
                     "--processes", "2")  # fmt: skip
        received = server.handler.counts()
        connections = len(server.handler.peers)
    assert result.code == 0, result.err
    assert connections > 2  # 2 connections per process: both processes sent
    assert sorted(received) == sorted(emails)
    assert max(received.values()) == 1
    assert service.delivery.status(issue_id).status == "sent"


def test_the_issue_send_process_renders_in_a_child_and_loads_no_renderer(
    cli: Cli, service: Service, tmp_path: Path
) -> None:
    issue_id, emails = _sample(service, 6)
    report = tmp_path / "modules.json"
    script = (
        "import json, sys\n"
        "from newsletter.cli import main\n"
        "code = main(sys.argv[2:])\n"
        "with open(sys.argv[1], 'w') as out:\n"
        "    json.dump({'code': code, 'modules': sorted(sys.modules)}, out)\n"
    )
    with RecordingServer() as server:
        cli.set(service.ctx.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": server.port,
            "smtp_security": SmtpSecurity.none, "smtp_connections": 2,
        }))  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-c", script, str(report),
             "issue", "send", str(issue_id), "--to", "public", "--yes"],
            env=dict(os.environ), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        received = server.handler.counts()
    assert done.returncode == 0, done.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0
    assert sorted(received) == sorted(emails)
    assert max(received.values()) == 1
    assert "newsletter.service.variants" in result["modules"]  # the child rendered
    forbidden = (*SEND_ENGINE_FORBIDDEN, *RENDERER_LIBRARIES, *NOT_FOR_SENDING)
    assert loaded(result["modules"], forbidden) == []
    assert service.delivery.status(issue_id).status == "sent"
