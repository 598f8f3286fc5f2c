"""Organisations that leave the network (and come back): recorded from the console and
the CLI with their history, counted out of the members at year end, listed among the
departures of the year in the activity report (HTML, CSV, PDF) and no longer reached by
the members' lists."""

from __future__ import annotations

import csv
import html
import io
import subprocess
from datetime import date
from pathlib import Path

from newsletter.audience.departures import today as brussels_today
from newsletter.service import Service
from newsletter.store.audience import Organisation, OrganisationEvent, Subscriber
from tests.report.test_activity import build_year
from tests.support.cli import Cli
from tests.web.conftest import Browser


def _org_id(service: Service, name: str) -> int:
    with service.ctx.db.session() as session:
        return session.query(Organisation).filter_by(name=name).one().id


def _events(service: Service, name: str) -> list[tuple[str, date]]:
    org_id = _org_id(service, name)
    with service.ctx.db.session() as session:
        rows = session.query(OrganisationEvent).filter_by(organisation_id=org_id)
        return [(e.kind, e.day) for e in rows.order_by(OrganisationEvent.id)]


def test_departures_from_the_console_and_the_cli_reach_the_activity_report(
    service: Service, console: Browser, cli: Cli, tmp_path: Path
) -> None:
    build_year(service)
    centre = _org_id(service, "Centre Exemple")
    target = f"/console/members/organisations/{centre}"
    console.get(target)
    left = console.post(f"{target}/departure", {"action": "left", "day": "2025-06-30"})
    assert left.status_code == 303
    page = html.unescape(console.get(target).text)
    assert "Son départ est enregistré." in page and "a quitté le réseau le 2025-06-30" in page
    # the coordinator corrects the day: one departure, its day changed
    console.post(f"{target}/departure", {"action": "left", "day": "2025-07-31"})
    assert _events(service, "Centre Exemple") == [("left", date(2025, 7, 31))]
    listing = html.unescape(console.get("/console/members/organisations").text)
    assert "partie le 2025-07-31" in listing

    # bad input: a clear message, nothing changed
    for data, words in (
        ({"action": "left", "day": "31/07/2025"}, "AAAA-MM-JJ"),
        ({"action": "left", "day": "2001-01-01"}, "avant d'avoir été enregistrée"),
        ({"action": "returned", "day": "2025-01-01"}, "avant d'être partie"),
    ):
        console.get(target)
        console.post(f"{target}/departure", data)
        assert words in html.unescape(console.get(target).text), words
    assert _events(service, "Centre Exemple") == [("left", date(2025, 7, 31))]

    # the CLI: an organisation leaves in 2025 and comes back in 2026
    atelier = ("members", "organisation", "Atelier Exemple")
    gone = cli(*atelier, "--left", "2025-02-01", "--json")
    assert gone.code == 0, gone.err
    assert gone.json()["left_on"] == "2025-02-01"
    assert cli(*atelier, "--returned", "2024-12-01").code == 1  # before it left
    back = cli(*atelier, "--returned", "2026-01-15", "--json")
    assert back.code == 0 and back.json()["left_on"] is None
    assert cli(*atelier, "--left", "2025-03-01", "--returned", "2026-01-01").code == 2
    assert (
        cli("members", "organisation", "Centre Exemple")
        .out.strip()
        .endswith("partie le 2025-07-31")
    )
    assert _events(service, "Atelier Exemple") == [
        ("left", date(2025, 2, 1)),
        ("returned", date(2026, 1, 15)),
    ]

    report = service.reports.activity(2025)
    d = report.directory
    assert d.departed == ["Atelier Exemple", "Centre Exemple"]  # history kept after the return
    assert (d.full_members, d.associate_members, d.organisations) == (3, 1, 4)
    later = service.reports.activity(2026).directory
    assert later.departed == [] and "Atelier Exemple" in later.new
    assert (later.full_members, later.associate_members) == (3, 2)

    out = tmp_path / "rapport"
    assert cli("report", "activity", "--year", "2025", "--out", str(out)).code == 0
    page = html.unescape((out / "activity.html").read_text(encoding="utf-8"))
    assert "Organisations parties : Atelier Exemple, Centre Exemple" in page
    assert "3 membres effectifs et 1 membres adhérents" in page
    rows = list(csv.reader(io.StringIO((out / "activity.csv").read_text("utf-8-sig")),
                           delimiter=";"))  # fmt: skip
    assert ["annuaire", "2025-12-31", "Centre Exemple", "organisation partie", "1"] in rows
    assert ["annuaire", "2025-12-31", "Atelier Exemple", "organisation partie", "1"] in rows
    text = subprocess.run(["pdftotext", str(out / "activity.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "Organisations parties : Atelier Exemple, Centre Exemple" in " ".join(text.split())
    nl = tmp_path / "nl"
    assert cli("report", "activity", "--year", "2025", "--out", str(nl), "--lang", "nl").code == 0
    page_nl = html.unescape((nl / "activity.html").read_text(encoding="utf-8"))
    assert "Vertrokken organisaties: Atelier Exemple, Centre Exemple" in page_nl
    rows_nl = (nl / "activity.csv").read_text("utf-8-sig")
    assert "vertrokken organisatie" in rows_nl


def test_the_people_of_a_departed_organisation_leave_the_members_lists(
    service: Service,
) -> None:
    build_year(service)
    with service.ctx.db.session() as session:
        org_id = _org_id(service, "Centre Exemple")
        people = session.query(Subscriber).filter_by(organisation_id=org_id).count()
    assert people > 0
    before = service.audience.count_recipients(["membres"])
    service.people.organisation_left(org_id, date(2025, 6, 30), actor="test")
    assert service.audience.count_recipients(["membres"]) == before - people
    counts = {info.id: info.count for info in service.audience.lists()[0]}
    assert counts["membres"] == before - people
    # one that leaves at the end of today is still a member today
    service.people.organisation_returned(org_id, date(2025, 9, 1), actor="test")
    service.people.organisation_left(org_id, brussels_today(), actor="test")
    assert service.audience.count_recipients(["membres"]) == before
