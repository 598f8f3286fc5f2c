"""The service gives typed results; each door renders them: the console in the
coordinator's language, the CLI's ``--json`` with the keys scripts rely on."""

from __future__ import annotations

from newsletter.service import Service
from tests.content.sample import PDF
from tests.inbound.conftest import corpus
from tests.support.cli import Cli
from tests.web.conftest import Browser

INBOUND_KEYS = ["id", "received_at", "source", "folder", "uid", "message_id", "sender",
                "subject", "outcome", "reason", "news_id", "bounces", "unmatched", "size",
                "raw_truncated"]  # fmt: skip
ASSEMBLY_KEYS = ["id", "uid", "sequence", "title", "theme", "starts_at", "ends_at", "place",
                 "video_url", "agenda", "speakers", "minutes", "previous_minutes"]  # fmt: skip


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
