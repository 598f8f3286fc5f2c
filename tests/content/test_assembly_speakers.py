"""An AG's speakers in French and Dutch, like its other texts: the command line writes
them (``assembly create/edit --speaker-nl``), each reader gets their version in the
e-mail, the web version, the calendar file and the printed edition."""

from __future__ import annotations

import email
from pathlib import Path

from newsletter.context import Context
from newsletter.editorial.ics import assembly_ics
from newsletter.render.model import load_issue_view
from newsletter.report.printable import printable_html
from newsletter.store.editorial import Assembly
from tests.support.cli import Cli

FR_SPEAKER = "Anne Exemple (CPAS d'Ixelles)"
NL_SPEAKER = "Anne Exemple (OCMW van Elsene)"


def _create(cli: Cli) -> int:
    created = cli("assembly", "create", "--title", "AG de mars", "--title-nl", "AV van maart",
                  "--starts", "2027-03-10T14:00", "--place", "Salle 1", "--place-nl", "Zaal 1",
                  "--speaker", "Anne Exemple, CPAS d'Ixelles",
                  "--speaker-nl", "Anne Exemple, OCMW van Elsene", "--json")  # fmt: skip
    assert created.code == 0, created.err
    document = created.json()
    assert document["speakers"] == [{"name": "Anne Exemple", "organisation": "CPAS d'Ixelles"}]
    return int(document["id"])


def _calendar(eml: Path) -> str:
    message = email.message_from_bytes(eml.read_bytes())
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n ", "")


def test_each_reader_gets_the_speakers_of_their_language(
    cli: Cli, ctx: Context, tmp_path: Path
) -> None:
    assembly_id = _create(cli)
    issue = cli("issue", "draft", "--title", "Invitation", "--title-nl", "Uitnodiging", "--json")
    issue_id = int(issue.json()["id"])
    for lang, mine, other in (("fr", FR_SPEAKER, NL_SPEAKER), ("nl", NL_SPEAKER, FR_SPEAKER)):
        out = tmp_path / lang
        shown = cli("issue", "preview", str(issue_id), "--out", str(out), "--lang", lang)
        assert shown.code == 0, shown.err
        html = (out / "issue.html").read_text(encoding="utf-8").replace("&#39;", "'")
        text = (out / "issue.txt").read_text(encoding="utf-8")
        assert mine in html and other not in html
        assert mine in text and other not in text
        calendar = _calendar(out / "issue.eml")
        assert mine.split(" (")[1].rstrip(")") in calendar.replace("\\", "")
        assert ("Sprekers:" if lang == "nl" else "Intervenant·es:") in calendar
        with ctx.db.session() as session:
            printed = printable_html(
                ctx.settings, load_issue_view(session, ctx.settings, issue_id, lang), lang
            ).replace("&#39;", "'")
        assert mine in printed and other not in printed
    with ctx.db.session() as session:
        assembly = session.get(Assembly, assembly_id)
        assert assembly is not None
        assert "OCMW van Elsene" in assembly_ics(assembly, ctx.settings, "nl").decode()


def test_a_dutch_version_without_speakers_shows_the_original_ones(cli: Cli, ctx: Context) -> None:
    created = cli("assembly", "create", "--title", "AG", "--title-nl", "AV", "--starts",
                  "2027-03-10T14:00", "--place", "Salle 1", "--speaker", "Anne, CPAS",
                  "--json")  # fmt: skip
    assert created.code == 0, created.err
    with ctx.db.session() as session:
        assembly = session.get(Assembly, int(created.json()["id"]))
        assert assembly is not None
        calendar = assembly_ics(assembly, ctx.settings, "nl").decode()
    assert "Anne\\, CPAS" in calendar and "Sprekers:" in calendar


def test_assembly_edit_changes_only_what_is_given(cli: Cli, ctx: Context, tmp_path: Path) -> None:
    assembly_id = _create(cli)
    with ctx.db.session() as session:
        before = session.get(Assembly, assembly_id)
        assert before is not None
        sequence = before.sequence
    agenda = tmp_path / "agenda-nl.txt"
    agenda.write_text("Verslag\nVaria\n", encoding="utf-8")
    edited = cli("assembly", "edit", str(assembly_id), "--speaker-nl", "Bram Voorbeeld, Buurthuis",
                 "--speaker-nl", "Anne Exemple, OCMW van Elsene", "--theme-nl", "Wonen",
                 "--agenda-nl", str(agenda), "--video", "https://visio.example.org/ag",
                 "--json")  # fmt: skip
    assert edited.code == 0, edited.err
    with ctx.db.session() as session:
        after = session.get(Assembly, assembly_id)
        assert after is not None
        nl = after.translations["nl"]
        assert nl["speakers"] == [
            {"name": "Bram Voorbeeld", "organisation": "Buurthuis"},
            {"name": "Anne Exemple", "organisation": "OCMW van Elsene"},
        ]
        assert nl["theme"] == "Wonen" and nl["title"] == "AV van maart" and nl["place"] == "Zaal 1"
        assert nl["agenda"] == ["Verslag", "Varia"]
        assert after.title == "AG de mars" and after.place == "Salle 1"  # the original stays
        assert after.speakers == [{"name": "Anne Exemple", "organisation": "CPAS d'Ixelles"}]
        assert after.video_url == "https://visio.example.org/ag"
        assert after.sequence == sequence + 1  # one change, one new calendar version

    # the French speakers through --speaker-fr (French is the original: the columns)
    french = cli("assembly", "edit", str(assembly_id), "--speaker-fr", "Zoé, Maison médicale")
    assert french.code == 0, french.err
    with ctx.db.session() as session:
        again = session.get(Assembly, assembly_id)
        assert again is not None
        assert again.speakers == [{"name": "Zoé", "organisation": "Maison médicale"}]

    # refused with a clear message, nothing changed
    bad = cli("assembly", "edit", str(assembly_id), "--speaker-nl", ", OCMW")
    assert bad.code == 1 and "Organisation" in bad.err, bad.err
    twice = cli("assembly", "edit", str(assembly_id), "--title", "A", "--title-fr", "B")
    assert twice.code == 1
    with ctx.db.session() as session:
        unchanged = session.get(Assembly, assembly_id)
        assert unchanged is not None and unchanged.title == "AG de mars"
        assert len(unchanged.translations["nl"]["speakers"]) == 2
