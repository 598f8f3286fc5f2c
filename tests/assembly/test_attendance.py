"""The door of an AG: ticks, walk-ins, "N personnes représentant M partenaires", the
sheet to print (its text read back with pdftotext), the CSV, and the quorum during the AG."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from newsletter.models import RsvpChoice
from newsletter.service import Service
from tests.support.cli import Cli
from tests.web.conftest import Browser


def _answers(service: Service, assembly_id: int) -> None:
    service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes, people=2)
    service.rsvp.answer_for(
        assembly_id, "onthaal@buurthuis.example.org", RsvpChoice.proxy,
        proxy_to="Maison de quartier Exemple",
    )  # fmt: skip
    service.rsvp.answer_for(assembly_id, "atelier@atelier.example.org", RsvpChoice.yes)


def test_check_in_gives_the_report_line_and_the_quorum_during_the_ag(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    _answers(service, assembly_id)
    expected = {p.email for p in service.assemblies.people(assembly_id)}
    assert expected == {"accueil@maison.example.org", "atelier@atelier.example.org"}
    assert service.assemblies.status(assembly_id).quorum.voting_present == 1  # from answers
    service.assemblies.attend(assembly_id, "accueil@maison.example.org")
    service.assemblies.attend(assembly_id, "social@maison.example.org")  # did not answer
    service.assemblies.attend(assembly_id, "atelier@atelier.example.org")
    service.assemblies.attend(assembly_id, "atelier@atelier.example.org", present=False)
    service.assemblies.walk_in(assembly_id, "Une voisine", "Comité de quartier Exemple")
    service.assemblies.walk_in(assembly_id, "Direction", "centre exemple")  # a member
    found = service.assemblies.people(assembly_id, "voisine")
    assert [p.name for p in found] == ["Une voisine"] and found[0].walk_in
    record = service.assemblies.attendance(assembly_id)
    assert (record.people, record.organisations) == (4, 3)
    assert service.assemblies.attendance_line(assembly_id, "fr") == (
        "4 personnes représentant 3 partenaires"
    )
    assert service.assemblies.attendance_line(assembly_id, "nl").startswith("4 personen")
    by_org = {g.name: g.people for g in record.by_organisation}
    assert by_org["Maison de quartier Exemple"] == ["Accueil", "Social"]
    assert by_org["Comité de quartier Exemple"] == ["Une voisine"]
    status = service.assemblies.status(assembly_id)
    assert status.check_in and (status.people, status.organisations) == (4, 3)
    # Maison and Centre present (checked in), Buurthuis represented by Maison's proxy
    assert (status.quorum.voting_present, status.quorum.voting_represented) == (2, 1)
    assert status.quorum.reached
    rows = list(csv.reader(io.StringIO(service.assemblies.attendance_csv(assembly_id)
                                       .decode("utf-8-sig")), delimiter=";"))  # fmt: skip
    assert rows[0] == ["organisation", "membership", "name", "email", "present", "walk_in"]
    assert ["Atelier Exemple", "adherent", "Atelier", "atelier@atelier.example.org", "no",
            "no"] in rows  # fmt: skip
    assert len(rows) == 6


def test_a_walk_in_named_like_a_formula_stays_text_in_the_csv(
    service: Service, people: dict[str, int], assembly_id: int
) -> None:
    service.assemblies.walk_in(assembly_id, '=HYPERLINK("http://x")', "+Org")
    text = service.assemblies.attendance_csv(assembly_id).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+Org" in text


def test_the_sheet_lists_the_organisations_with_their_people_and_proxies(
    cli: Cli, service: Service, people: dict[str, int], assembly_id: int, tmp_path: Path
) -> None:
    _answers(service, assembly_id)
    out = tmp_path / "presences.pdf"
    result = cli("assembly", "sheet", str(assembly_id), "--out", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(b"%PDF-")
    raw = subprocess.run(["pdftotext", str(out), "-"], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    text = " ".join(raw.split())
    for name in ("Maison de quartier Exemple", "Buurthuis Voorbeeld", "Centre Exemple",
                 "Atelier Exemple", "Liste de présence", "Nom et signature"):  # fmt: skip
        assert name in text, name
    assert "Accueil (+1)" in text
    assert "pour Buurthuis Voorbeeld" in text  # the proxy Maison holds
    assert "Procuration donnée à Maison de quartier" in text


def test_attend_and_attendance_from_the_command_line(
    cli: Cli, service: Service, people: dict[str, int], assembly_id: int
) -> None:
    aid = str(assembly_id)
    assert cli("assembly", "attend", aid, "--email", "accueil@maison.example.org").code == 0
    assert cli("assembly", "attend", aid, "--email", "social@maison.example.org").code == 0
    gone = cli("assembly", "attend", aid, "--email", "social@maison.example.org", "--absent",
               "--json")  # fmt: skip
    assert gone.code == 0 and gone.json()["present"] is False
    unknown = cli("assembly", "attend", aid, "--email", "nobody@example.net")
    assert unknown.code == 1 and "nobody@example.net" in unknown.err
    record = cli("assembly", "attendance", aid, "--json")
    assert record.code == 0, record.err
    document = record.json()
    assert document["people"] == 1 and document["organisations"] == 1
    assert document["line"] == "1 personne représentant 1 partenaire"
    assert document["by_organisation"] == [
        {"organisation": "Maison de quartier Exemple", "membership": "effectif",
         "people": ["Accueil"]}
    ]  # fmt: skip


def test_console_pages_of_the_door(
    console: Browser, service: Service, people: dict[str, int], assembly_id: int
) -> None:
    _answers(service, assembly_id)
    base = f"/console/assemblies/{assembly_id}"
    page = console.get(base)
    assert page.status_code == 200
    assert 'id="quorum"' in page.text and "Quorum atteint (2 nécessaires)" in page.text
    assert "Centre Exemple" in page.text  # not answered yet
    checkin = console.get(f"{base}/checkin")
    assert checkin.status_code == 200 and "Accueil" in checkin.text
    ticked = console.post(f"{base}/checkin", {"email": "accueil@maison.example.org",
                                              "present": "yes"})  # fmt: skip
    assert ticked.status_code == 303
    console.get(f"{base}/checkin")
    walked = console.post(f"{base}/walkin", {"name": "Une voisine", "organisation": ""})
    assert walked.status_code == 303
    search = console.get(f"{base}/checkin?q=voisine")
    assert "Une voisine" in search.text and "accueil@maison.example.org" not in search.text
    detail = console.get(base)
    assert "2 personnes représentant 1 partenaire" in detail.text
    sheet = console.get(f"{base}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF-")
    exported = console.get(f"{base}/attendance.csv")
    assert "Une voisine" in exported.text
    console.get(base)
    rules = console.post(f"{base}/rules", {"proxy_limit": "2", "closes_at": "", "reminder_at": ""})
    assert rules.status_code == 303
    assert service.assemblies.rules(assembly_id).proxy_limit == 2
