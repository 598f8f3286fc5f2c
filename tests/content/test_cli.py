"""The editorial commands as an operator runs them (exit codes, --json documents)."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from newsletter.context import Context
from newsletter.models import Membership
from tests.content.sample import PDF, add_organisation
from tests.support.cli import Cli


def test_news_queue_commands(cli: Cli, ctx: Context, tmp_path: Path) -> None:
    with ctx.db.session() as session:
        add_organisation(session, "Centre Social Exemple", Membership.full)
    body = tmp_path / "news.md"
    body.write_text("Ouverture **samedi**.\n", encoding="utf-8")
    flyer = tmp_path / "flyer été.pdf"
    flyer.write_bytes(PDF)

    result = cli(
        "news", "submit", "--org", "centre social exemple", "--title", "Portes ouvertes",
        "--body", str(body), "--category", "agenda", "--attach", str(flyer), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    item = result.json()
    assert item["organisation"] == "Centre Social Exemple"
    assert item["status"] == "pending"
    assert item["body_html"] == "<p>Ouverture <strong>samedi</strong>.</p>"
    assert item["attachments"] == ["flyer été.pdf"]

    second = cli("news", "submit", "--org", "X", "--title", "Autre", "--body", str(body), "--json")
    assert second.code == 0
    listed = cli("news", "list", "--status", "pending", "--json")
    assert listed.code == 0
    rows = listed.json()
    assert [row["id"] for row in rows] == [item["id"], second.json()["id"]]
    assert set(rows[0]) >= {"id", "title", "status", "organisation", "sender", "body_html",
                            "attachments"}  # fmt: skip

    assert cli("news", "approve", str(item["id"])).code == 0
    assert cli("news", "reject", str(second.json()["id"])).code == 2  # --reason is required
    rejected = cli("news", "reject", str(second.json()["id"]), "--reason", "Hors sujet", "--json")
    assert rejected.code == 0 and rejected.json()["status_reason"] == "Hors sujet"
    assert [r["status"] for r in cli("news", "list", "--json").json()] == ["approved", "rejected"]

    missing = cli("news", "approve", "999")
    assert missing.code == 1 and "999" in missing.err and missing.out == ""
    again = cli("news", "approve", str(second.json()["id"]))  # rejected → approved is not allowed
    assert again.code == 1
    bad_category = cli("news", "submit", "--title", "T", "--body", str(body), "--category", "sport")
    assert bad_category.code == 1 and "sport" in bad_category.err


def test_assembly_issue_draft_and_preview(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "news.txt"
    body.write_text("Un texte.\n\nDeux paragraphes.", encoding="utf-8")
    news_id = cli("news", "submit", "--title", "Info", "--body", str(body), "--json").json()["id"]
    assert cli("news", "approve", str(news_id)).code == 0

    first = cli("assembly", "create", "--title", "AG de juin", "--starts", "2020-06-10T14:00",
                "--place", "Rue de l'Exemple 1, Bruxelles", "--json")  # fmt: skip
    assert first.code == 0, first.err
    assert first.json()["starts_at"] == "2020-06-10T14:00:00+02:00"  # Brussels summer time
    minutes = tmp_path / "PV AG juin 2020.pdf"
    minutes.write_bytes(PDF)
    assert cli("assembly", "minutes", str(first.json()["id"]), str(minutes)).code == 0

    agenda = tmp_path / "agenda.txt"
    agenda.write_text("1. Rapport d'activités\n2. Budget\n", encoding="utf-8")
    created = cli(
        "assembly", "create", "--title", "AG de décembre", "--starts", "2099-12-10T14:00",
        "--ends", "2099-12-10T17:00", "--video", "https://visio.example.org/ag",
        "--agenda", str(agenda), "--speaker", "Une personne, ASBL Exemple", "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    ag = created.json()
    assert ag["previous_minutes"] == "PV AG juin 2020.pdf"
    assert ag["agenda"][0].startswith("Approbation du procès-verbal de l'AG du 10 juin 2020")
    assert ag["speakers"] == [{"name": "Une personne", "organisation": "ASBL Exemple"}]

    assert cli("assembly", "create", "--title", "x", "--starts", "demain", "--place", "y").code == 2
    assert cli("assembly", "create", "--title", "x", "--starts", "2099-01-01T10:00").code == 2

    drafted = cli("issue", "draft", "--title", "Numéro de test", "--json")
    assert drafted.code == 0, drafted.err
    issue = drafted.json()
    assert issue["items"] == [news_id] and issue["assemblies"] == [ag["id"]]
    assert issue["annexes"] == ["PV AG juin 2020.pdf"]

    for lang, greeting in (("fr", "Bonjour"), ("nl", "Beste")):
        out = tmp_path / f"preview-{lang}"
        shown = cli("issue", "preview", str(issue["id"]), "--out", str(out), "--lang", lang)
        assert shown.code == 0, shown.err
        eml = (out / "issue.eml").read_bytes()
        message = message_from_bytes(eml, _class=EmailMessage, policy=default)
        assert isinstance(message, EmailMessage)
        names = [part.get_filename() for part in message.iter_attachments()]
        assert names == ["PV AG juin 2020.pdf", f"{'AV' if lang == 'nl' else 'AG'}-2099-12-10.ics"]
        html = (out / "issue.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html and greeting in html
        assert (out / "issue.txt").read_text(encoding="utf-8").startswith(greeting)
    assert (
        cli("issue", "preview", str(issue["id"]), "--out", str(tmp_path), "--lang", "de").code == 2
    )
    assert cli("issue", "preview", "999", "--out", str(tmp_path)).code == 1
