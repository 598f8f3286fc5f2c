"""The language options of the editorial commands, as scripts use them."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from tests.support.cli import Cli


def test_news_in_two_languages_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    fr_body, nl_body = tmp_path / "fr.md", tmp_path / "nl.md"
    fr_body.write_text("Ouverture **samedi**.", encoding="utf-8")
    nl_body.write_text("Open op **zaterdag**. [Meer](https://example.org/nl)", encoding="utf-8")
    item = cli("news", "submit", "--title", "Portes ouvertes", "--body", str(fr_body), "--json")
    assert item.code == 0, item.err
    news_id = str(item.json()["id"])
    assert item.json()["languages"] == ["fr"]

    added = cli("news", "translate", news_id, "--lang", "nl", "--title", "Opendeurdag",
                "--body", str(nl_body), "--json")  # fmt: skip
    assert added.code == 0, added.err
    assert added.json()["languages"] == ["fr", "nl"]
    assert added.json()["flags"] == ["La version NL a 1 lien(s), la version FR 0."]
    listed = cli("news", "list", "--json").json()
    assert listed[0]["languages"] == ["fr", "nl"] and listed[0]["title"] == "Portes ouvertes"

    wrong = cli(
        "news", "translate", news_id, "--lang", "de", "--title", "T", "--body", str(nl_body)
    )
    assert wrong.code == 1 and "de" in wrong.err and "fr" in wrong.err and "nl" in wrong.err
    wrong = cli("news", "submit", "--title", "T", "--body", str(fr_body), "--lang", "en")
    assert wrong.code == 1 and "en" in wrong.err
    assert cli("news", "approve", news_id).code == 0

    nl_intro, fr_intro = tmp_path / "intro-nl.md", tmp_path / "intro-fr.md"
    nl_intro.write_text("Veel leesplezier.", encoding="utf-8")
    fr_intro.write_text("Bonne lecture.", encoding="utf-8")
    issue = cli("issue", "draft", "--title", "Lettre", "--title-nl", "Nieuwsbrief",
                "--intro", str(fr_intro), "--intro-nl", str(nl_intro), "--json")  # fmt: skip
    assert issue.code == 0, issue.err
    assert issue.json()["languages"] == ["fr", "nl"] and issue.json()["language"] == "fr"
    issue_id = str(issue.json()["id"])

    out = tmp_path / "nl"
    shown = cli("issue", "preview", issue_id, "--out", str(out), "--lang", "nl")
    assert shown.code == 0, shown.err
    message = message_from_bytes((out / "issue.eml").read_bytes(), policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Nieuwsbrief"
    html = (out / "issue.html").read_text(encoding="utf-8")
    assert "Opendeurdag" in html and "Veel leesplezier." in html and "Portes ouvertes" not in html
    assert cli("issue", "preview", issue_id, "--out", str(out), "--lang", "de").code == 1

    dutch = cli("issue", "draft", "--lang", "nl", "--title", "Nieuwsbrief 2",
                "--title-fr", "Lettre 2", "--intro-fr", str(fr_intro), "--json")  # fmt: skip
    assert dutch.code == 0, dutch.err
    assert dutch.json()["language"] == "nl" and dutch.json()["title"] == "Nieuwsbrief 2"
    assert dutch.json()["languages"] == ["fr", "nl"]


def test_assembly_in_two_languages(cli: Cli, tmp_path: Path) -> None:
    agenda_nl = tmp_path / "agenda-nl.txt"
    agenda_nl.write_text("1. Verslag\n2. Begroting\n", encoding="utf-8")
    created = cli("assembly", "create", "--title", "AG de mars", "--title-nl", "AV van maart",
                  "--theme", "Santé", "--theme-nl", "Gezondheid", "--agenda-nl", str(agenda_nl),
                  "--starts", "2027-03-10T14:00", "--place", "Salle 1", "--json")  # fmt: skip
    assert created.code == 0, created.err
    issue = cli("issue", "draft", "--title", "Invitation", "--title-nl", "Uitnodiging", "--json")
    out = tmp_path / "nl"
    shown = cli("issue", "preview", str(issue.json()["id"]), "--out", str(out), "--lang", "nl")
    assert shown.code == 0, shown.err
    text = (out / "issue.txt").read_text(encoding="utf-8")
    assert "AV van maart" in text and "Gezondheid" in text and "2. Begroting" in text
    assert "AG de mars" not in text
    wrong = cli("assembly", "create", "--title", "AG", "--lang", "xx", "--starts",
                "2027-03-10T14:00", "--place", "Salle 1")  # fmt: skip
    assert wrong.code == 1 and "xx" in wrong.err
