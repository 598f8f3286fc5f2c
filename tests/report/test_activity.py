"""The yearly activity report of a fixture year (2025): four AGs with attendance and one
counted from the answers only, six issues and a mailing, partner items through every
channel, the directory at year end. The figures must be in the HTML, the CSV and the
PDF's text (pdftotext)."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from newsletter.models import (
    DeliveryStatus,
    IssueStatus,
    Language,
    Membership,
    NewsSource,
    NewsStatus,
    SubscriberStatus,
)
from newsletter.service import Service
from newsletter.store.assemblies import Attendance
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.delivery import Delivery, Send
from newsletter.store.editorial import Assembly, Issue, NewsItem, RsvpAnswer
from tests.support.cli import Cli
from tests.web.conftest import Browser

ORGS = [  # name, membership, created
    ("Maison de quartier Exemple", Membership.full, datetime(2019, 5, 1, tzinfo=UTC)),
    ("Buurthuis Voorbeeld", Membership.full, datetime(2020, 1, 10, tzinfo=UTC)),
    ("Centre Exemple", Membership.full, datetime(2021, 3, 3, tzinfo=UTC)),
    ("Atelier Exemple", Membership.associate, datetime(2022, 9, 9, tzinfo=UTC)),
    ("Nouvelle ASBL", Membership.full, datetime(2025, 4, 2, tzinfo=UTC)),
    ('=HYPERLINK("x") asbl', Membership.associate, datetime(2025, 10, 20, tzinfo=UTC)),
]
#: the AGs of 2025: (date, title, people ticked present by organisation index)
AGS = [
    (datetime(2025, 3, 18, 9, tzinfo=UTC), "AG de mars", [0, 0, 1, 2, 3]),
    (datetime(2025, 6, 17, 9, tzinfo=UTC), "AG de juin", [0, 1, 4]),
    (datetime(2025, 9, 16, 9, tzinfo=UTC), "AG de septembre", [0, 2, 2, 5]),
    (datetime(2025, 12, 9, 9, tzinfo=UTC), "AG de décembre", [1, 3]),
]


def build_year(service: Service) -> dict[str, int]:
    """The fixture network and its year 2025; returns a few ids."""
    with service.ctx.db.session() as session:
        orgs = []
        for name, membership, created in ORGS:
            org = Organisation(name=name, name_key=name.casefold(), membership=membership,
                               created_at=created)  # fmt: skip
            session.add(org)
            orgs.append(org)
        session.flush()
        people = []
        for i in range(12):
            org = orgs[i % len(orgs)]
            person = Subscriber(
                email=f"p{i}@example.org", email_key=f"p{i}@example.org", name=f"Personne {i}",
                organisation_id=org.id, language=Language.fr, groups=[], roles=[],
                status=SubscriberStatus.active, consent_source="test",
            )  # fmt: skip
            session.add(person)
            people.append(person)
        session.flush()
        for starts, title, present in AGS:
            ag = Assembly(uid=f"{title}@test", title=title, starts_at=starts,
                          place="Salle Exemple, Bruxelles", agenda=["Approbation du PV"],
                          speakers=[{"name": "Anne Exemple", "organisation": "CPAS"}])  # fmt: skip
            session.add(ag)
            session.flush()
            used: set[int] = set()
            for index in present:
                person = next(p for p in people if p.organisation_id == orgs[index].id
                              and p.id not in used)  # fmt: skip
                used.add(person.id)
                session.add(Attendance(assembly_id=ag.id, subscriber_id=person.id,
                                       organisation_id=person.organisation_id, name=person.name,
                                       email=person.email, present=True, at=starts))  # fmt: skip
        # an AG whose door was not kept: the answers to the invitation count
        answered = Assembly(uid="ag-extra@test", title="AG extraordinaire",
                            starts_at=datetime(2025, 11, 4, 17, tzinfo=UTC),
                            video_url="https://video.example.org/ag")  # fmt: skip
        session.add(answered)
        session.flush()
        for person, count in ((people[0], 2), (people[1], 3), (people[6], 1)):
            session.add(RsvpAnswer(assembly_id=answered.id, subscriber_id=person.id,
                                   choice="yes", attending=True, people=count))  # fmt: skip
        session.add(RsvpAnswer(assembly_id=answered.id, subscriber_id=people[2].id,
                               choice="no", attending=False, people=0))  # fmt: skip
        # six issues and one mailing (the invitation of the extraordinary AG)
        for n in range(7):
            sent_at = datetime(2025, 1 + n, 5, 8, tzinfo=UTC)
            issue = Issue(number=n + 1, title=f"Lettre {n + 1}", status=IssueStatus.sent,
                          sent_at=sent_at, lists=["membres"],
                          assembly_id=answered.id if n == 6 else None)  # fmt: skip
            session.add(issue)
            session.flush()
            send = Send(issue_id=issue.id, lists=["membres"], snapshot_complete=True,
                        total=10, created_at=sent_at)  # fmt: skip
            session.add(send)
            session.flush()
            for i, person in enumerate(people[:10]):
                failed = i == 9 and n % 2 == 0  # issues 1, 3, 5, 7: one failure each
                session.add(Delivery(
                    send_id=send.id, issue_id=issue.id, subscriber_id=person.id,
                    email=person.email, status=DeliveryStatus.failed_permanent if failed
                    else DeliveryStatus.sent, attempts=1, sent_at=None if failed else sent_at,
                    last_reply="552 5.2.2 Mailbox full" if failed else "250 OK",
                    message_id=f"<{n}.{i}@test>", created_at=sent_at, updated_at=sent_at,
                ))  # fmt: skip
        # someone left after issue 6 (the last one they received)
        people[3].status = SubscriberStatus.unsubscribed
        people[3].status_changed_at = datetime(2025, 6, 20, tzinfo=UTC)
        for org_index, source, count, year in (
            (0, NewsSource.form, 3, 2025), (0, NewsSource.email, 1, 2025),
            (1, NewsSource.coordinator, 2, 2025), (4, NewsSource.public_form, 1, 2025),
            (2, NewsSource.form, 5, 2024),
        ):  # fmt: skip
            for k in range(count):
                session.add(NewsItem(
                    organisation_id=orgs[org_index].id, organisation_name=orgs[org_index].name,
                    title=f"Nouvelle {org_index}-{k}", source=source, status=NewsStatus.approved,
                    created_at=datetime(year, 5, 1 + k, tzinfo=UTC),
                ))  # fmt: skip
        session.add(NewsItem(organisation_name="", title="Sans organisation",
                             source=NewsSource.email, status=NewsStatus.pending,
                             created_at=datetime(2025, 8, 1, tzinfo=UTC)))  # fmt: skip
        return {"extra": answered.id}


def test_activity_figures(service: Service) -> None:
    build_year(service)
    report = service.reports.activity(2025)
    lines = [(a.title, a.people, a.organisations, a.from_attendance) for a in report.assemblies]
    assert lines == [
        ("AG de mars", 5, 4, True),
        ("AG de juin", 3, 3, True),
        ("AG de septembre", 4, 3, True),
        ("AG extraordinaire", 6, 2, False),
        ("AG de décembre", 2, 2, True),
    ]
    assert [s.title for s in report.issues] == [f"Lettre {n}" for n in range(1, 7)]
    assert [s.title for s in report.mailings] == ["Lettre 7"]
    assert [(s.recipients, s.delivered, s.failed) for s in report.sends[:2]] == [
        (10, 9, 1), (10, 10, 0)]  # fmt: skip
    assert [s.unsubscribed for s in report.sends] == [0, 0, 0, 0, 0, 1, 0]
    by_org = {c.organisation: (c.form, c.email, c.console) for c in report.contributions}
    assert by_org == {"Maison de quartier Exemple": (3, 1, 0), "Buurthuis Voorbeeld": (0, 0, 2),
                      "Nouvelle ASBL": (1, 0, 0), "": (0, 1, 0)}  # fmt: skip
    d = report.directory
    assert (d.full_members, d.associate_members, d.organisations) == (4, 2, 6)
    assert d.new == ['=HYPERLINK("x") asbl', "Nouvelle ASBL"]
    # people reached: the ten recipients (the one who left too), of six organisations
    assert (report.reach.people, report.reach.services) == (10, 6)
    assert service.reports.activity(2024).assemblies == []


def test_activity_files_in_french_and_dutch(service: Service, cli: Cli, tmp_path: Path) -> None:
    build_year(service)
    out = tmp_path / "rapport"
    result = cli("report", "activity", "--year", "2025", "--out", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["activity.csv", "activity.html",
                                                     "activity.pdf"]  # fmt: skip
    html = (out / "activity.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "5 personnes représentant 4 partenaires" in html
    assert "6 personnes représentant 2 partenaires" in html and "réponses" in html
    assert "Numéros envoyés : 6 ; invitations et autres envois : 1." in html
    assert "4 membres effectifs et 2 membres adhérents" in html
    assert "10 personnes représentant 6 services" in html
    assert "&lt;" not in html.split("<main>")[0]  # nothing escaped oddly in the head
    assert "=HYPERLINK(&#34;x&#34;) asbl" in html or "=HYPERLINK(&quot;x&quot;) asbl" in html

    text = subprocess.run(["pdftotext", "-layout", str(out / "activity.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert "Rapport d'activités 2025" in flat
    assert "5 personnes représentant 4 partenaires" in flat
    assert "10 personnes représentant 6 services" in flat
    assert "Lettre 6" in flat and "AG de décembre" in flat

    rows = list(csv.reader(io.StringIO((out / "activity.csv").read_text("utf-8-sig")),
                           delimiter=";"))  # fmt: skip
    assert rows[0] == ["section", "date", "sujet", "mesure", "valeur"]
    assert ["assemblée générale", "2025-03-18", "AG de mars", "personnes", "5"] in rows
    assert ["assemblée générale", "2025-03-18", "AG de mars", "partenaires", "4"] in rows
    assert ["numéro", "2025-06-05", "Lettre 6", "désinscriptions", "1"] in rows
    assert ["annuaire", "2025-12-31", "", "membres effectifs", "4"] in rows
    assert ["annuaire", "2025-12-31", "'=HYPERLINK(\"x\") asbl", "nouvelle organisation",
            "1"] in rows  # fmt: skip
    for row in rows:
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row), row

    nl = tmp_path / "nl"
    assert cli("report", "activity", "--year", "2025", "--out", str(nl), "--lang", "nl").code == 0
    html_nl = (nl / "activity.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in html_nl
    assert "5 personen die 4 partners vertegenwoordigen" in html_nl
    text_nl = subprocess.run(["pdftotext", str(nl / "activity.pdf"), "-"], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
    assert "Activiteitenverslag 2025" in " ".join(text_nl.split())


def test_console_activity_page(service: Service, console: Browser) -> None:
    build_year(service)
    page = console.get("/console/reports/activity?year=2025")
    assert page.status_code == 200
    assert "5 personnes représentant 4 partenaires" in page.text
    pdf = console.get("/console/reports/activity/2025/activity.pdf?lang=nl")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    data = console.get("/console/reports/activity/2025/activity.csv")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    assert console.get("/console/reports/activity/2025/activity.exe").status_code in (400, 404)
