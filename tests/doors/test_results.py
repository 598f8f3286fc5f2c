"""The service gives typed results; each door renders them: the console in the
coordinator's language, the CLI's ``--json`` with the keys scripts rely on."""

from __future__ import annotations

from newsletter.i18n import Msg
from newsletter.service import Service
from newsletter.service.supervision import DELIVERY, STOPPED, HealthBoard
from tests.content.sample import PDF
from tests.delivery.helpers import add_issue, add_subscribers
from tests.inbound.conftest import corpus
from tests.support.cli import Cli
from tests.web.conftest import Browser

INBOUND_KEYS = ["id", "received_at", "source", "folder", "uid", "message_id", "sender",
                "subject", "outcome", "reason", "news_id", "bounces", "unmatched", "size",
                "raw_truncated"]  # fmt: skip
ASSEMBLY_KEYS = ["id", "uid", "sequence", "title", "theme", "starts_at", "ends_at", "place",
                 "video_url", "agenda", "speakers", "minutes", "previous_minutes"]  # fmt: skip
STATUS_KEYS = ["id", "status", "total", "queued", "sent", "failed", "bounced", "skipped",
               "retrying", "lists", "scheduled_at", "started_at", "sent_at", "next_retry_at",
               "unsubscribed", "complaints", "clicks"]  # fmt: skip
WORKER_KEYS = ["task", "state", "message", "since", "retry_at"]


def test_a_quarantined_message_reads_in_each_doors_language(
    mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    mailing.intake.ingest_bytes(corpus("22-no-sender.eml"))
    [row] = mailing.intake.quarantined()
    assert row.reason is not None and row.reason.msgid == "The message has no valid sender address"
    listed = mailing_cli("intake", "list", "--json")
    assert listed.code == 0, listed.err
    [document] = listed.json()
    assert list(document) == INBOUND_KEYS
    assert document["reason"] == "Le message n’a pas d’adresse d’expéditeur valide"
    assert row.received_at is not None and document["received_at"] == row.received_at.isoformat()
    assert "adresse d’expéditeur" in mailing_cli("intake", "list").out
    assert "Le message n’a pas d’adresse d’expéditeur valide" in console.get("/console/news").text
    console.get("/lang/nl")
    page = console.get("/console/news").text
    assert "Het bericht heeft geen geldig afzenderadres" in page
    assert "adresse d’expéditeur" not in page


def test_one_assembly_result_for_the_console_and_the_cli(
    mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    created = mailing_cli("assembly", "create", "--title", "AG de juin", "--starts",
                          "2099-06-10T14:00", "--place", "Salle <b>Exemple</b>",
                          "--json")  # fmt: skip
    assert created.code == 0, created.err
    document = created.json()
    assert list(document) == ASSEMBLY_KEYS and document["minutes"] is None
    row = mailing.console.assembly(document["id"])
    assert row == mailing.editorial.get_assembly(document["id"])
    assert row.starts_at.isoformat() == document["starts_at"]
    assert not row.cancelled and row.invitation_issue_id is None
    page = console.get(f"/console/assemblies/{row.id}")
    assert page.status_code == 200 and "Salle &lt;b&gt;Exemple&lt;/b&gt;" in page.text
    attached = mailing.editorial.attach_minutes(row.id, "PV juin.pdf", PDF)
    assert attached.minutes is not None and attached.minutes.filename == "PV juin.pdf"
    assert attached.as_json()["minutes"] == "PV juin.pdf"
    listed = console.get("/console/assemblies").text
    assert "PV juin.pdf" in listed


def test_one_send_status_for_the_console_and_the_cli(
    mailing: Service, console: Browser, mailing_cli: Cli
) -> None:
    recipients = add_subscribers(mailing.ctx, 3, prefix="status")
    issue_id = add_issue(mailing.ctx)
    assert mailing_cli("issue", "status", str(issue_id), "--json").json() == {
        "id": issue_id, "status": "draft", "total": 0, "queued": 0, "sent": 0, "failed": 0,
        "bounced": 0, "skipped": 0, "retrying": 0, "lists": [], "scheduled_at": None,
        "started_at": None, "sent_at": None, "next_retry_at": None, "unsubscribed": 0,
        "complaints": 0, "clicks": [], "workers": [],
    }  # fmt: skip
    mailing.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    mailing.delivery.pause(issue_id)
    board = HealthBoard(mailing.ctx.settings.data_dir)
    board.set(DELIVERY, STOPPED, Msg("unexpected error {error} (see the log)",
                                     {"error": "ValueError"}))  # fmt: skip
    try:
        result = mailing.delivery.status(issue_id)
        document = mailing_cli("issue", "status", str(issue_id), "--json").json()
        page = console.get(f"/console/issues/{issue_id}/progress").text
        console.get("/lang/nl")
        dutch_page = console.get(f"/console/issues/{issue_id}/progress").text
        dutch_dashboard = console.get("/console/").text
    finally:
        board.close()
    assert list(document) == [*STATUS_KEYS, "reason", "workers"]
    assert document == result.document()
    assert (result.status, result.total, result.queued, result.lists) == ("paused", 3, 3, ["tous"])
    assert result.started_at is not None and document["started_at"] == result.started_at.isoformat()
    assert document["reason"] == "Mis en pause par la coordination."
    [worker] = document["workers"]
    assert list(worker) == WORKER_KEYS
    assert worker["message"] == result.stopped()[0].message("fr")
    assert "Mis en pause par la coordination." in page
    assert "Gepauzeerd door de coördinatie." in dutch_page
    assert result.stopped()[0].message("nl") in dutch_dashboard
    [row, *_] = mailing.delivery.deliveries(issue_id)
    assert list(row.document()) == ["id", "email", "status", "attempts", "last_reply",
                                    "message_id", "sent_at"]  # fmt: skip
    assert (row.status, row.attempts, row.sent_at) == ("queued", 0, None)
