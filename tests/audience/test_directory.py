"""Directory import/export and lists against the real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from newsletter.service import Service
from tests.support.checks import subscriber

FIXTURE = Path(__file__).parent.parent / "fixtures" / "annuaire.csv"

EXPECTED_COUNTS = {
    "membres": 90,
    "effectifs": 57,
    "adherents": 33,
    "comite": 10,
    "aide-alimentaire": 23,
    "logement": 22,
    "sante-mentale": 22,
    "public": 0,
}


def test_import_of_a_coordinator_export(service: Service) -> None:
    report = service.audience.import_members(FIXTURE.read_bytes(), "annuaire.csv")
    assert len(report.created) == 90
    assert report.organisations_created == 90
    assert [r.line for r in report.rejected] == [13, 31, 51]
    assert report.merged == 1
    infos, errors = service.audience.lists()
    assert errors == []
    assert {info.id: info.count for info in infos} == EXPECTED_COUNTS
    person = service.audience.find_subscriber("CONTACT00@org00.example.org")
    assert person is not None
    assert person.organisation == "Maison de quartier Exemple 1"
    assert person.membership == "effectif"
    assert person.language == "nl"
    assert person.status == "active"
    assert person.consent_source == "import:annuaire.csv"

    again = service.audience.import_members(FIXTURE.read_bytes(), "annuaire.csv")
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 90)
    assert again.organisations_created == 0


def test_dry_run_writes_nothing(service: Service) -> None:
    report = service.audience.import_members(FIXTURE.read_bytes(), "annuaire.csv", dry_run=True)
    assert len(report.created) == 90
    assert service.audience.list_subscribers() == []
    assert service.audience.organisations() == []


def test_reimport_updates_but_never_resubscribes(service: Service) -> None:
    first = (
        "organisation;nom;email;statut;langue;groupes\n"
        "ASBL A;Ann;ann@example.org;effectif;fr;logement\n"
        "ASBL B;Bob;bob@example.org;adhérent;fr;\n"
    )
    service.audience.import_members(first.encode(), "a.csv")
    service.audience.unsubscribe("ann@example.org", source="test")
    bob = service.audience.find_subscriber("bob@example.org")
    assert bob is not None
    service.audience.record_bounce(bob.id, hard=True, reason="550 no such user")

    second = (
        "organisation;nom;email;statut;langue;groupes\n"
        "ASBL A;Ann Exemple;ann@example.org;effectif;nl;logement\n"
        "ASBL B;Bob;bob@example.org;effectif;fr;\n"
    )
    report = service.audience.import_members(second.encode(), "b.csv")
    assert {o.email: set(o.changes) for o in report.updated} == {
        "ann@example.org": {"name", "language"},
        "bob@example.org": {"membership"},
    }
    statuses = {s.email: s.status for s in service.audience.list_subscribers()}
    assert statuses == {"ann@example.org": "unsubscribed", "bob@example.org": "bounced"}
    assert service.audience.recipients(["membres"]) == []


def test_export_is_formula_safe_and_imports_back_unchanged(service: Service) -> None:
    hostile = (
        "organisation;nom;email;statut;groupes\n"
        '=HYPERLINK("http://evil.example.com");+33 1;plus@example.org;effectif;logement\n'
        "@SUM(A1);-2;at@example.org;adherent;\n"
        "Organisation seule;;;effectif;\n"
    )
    service.audience.import_members(hostile.encode(), "h.csv")
    exported = service.audience.export_members()
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert '\'=HYPERLINK("http://evil.example.com")' in cells
    assert "'+33 1" in cells

    clean = (
        "organisation;nom;email;statut;langue;groupes;roles\n"
        "ASBL A;Ann;ann@example.org;effectif;nl;logement;comite\n"
        "Seule;;;adherent;;;\n"
    )
    service.audience.import_members(clean.encode(), "c.csv")
    round_trip = service.audience.import_members(service.audience.export_members(), "export.csv")
    assert round_trip.created == [] and round_trip.updated == []
    assert round_trip.rejected == []


def test_unsubscribe_from_one_list_keeps_the_others(service: Service) -> None:
    text = "organisation;email;statut;groupes\nA;a@example.org;effectif;logement | santé mentale\n"
    service.audience.import_members(text.encode(), "a.csv")
    assert service.audience.unsubscribe("a@example.org", list_id="logement")
    assert not service.audience.unsubscribe("a@example.org", list_id="logement")
    assert service.audience.recipients(["logement"]) == []
    assert [r.email for r in service.audience.recipients(["sante-mentale"])] == ["a@example.org"]
    assert subscriber(service, "a@example.org").lists_left == ["logement"]


def test_recipients_of_several_lists_are_deduplicated(service: Service) -> None:
    service.audience.import_members(FIXTURE.read_bytes(), "annuaire.csv")
    recipients = service.audience.recipients(["effectifs", "comite", "logement", "membres"])
    assert len(recipients) == 90
    assert len({r.subscriber_id for r in recipients}) == 90
    assert service.audience.count_recipients(["effectifs", "adherents"]) == 90


def test_double_opt_in_and_soft_bounces(service: Service) -> None:
    asked = service.subscriptions.request(
        "New@Example.net", name="Neuf", client="192.0.2.7", source="web form"
    )
    assert asked.url is not None
    pending = subscriber(service, "New@example.net")
    assert pending.status == "pending"
    assert service.audience.recipients(["public"]) == []
    active = service.subscriptions.confirm(asked.url.rsplit("/", 1)[1])
    assert active.status == "active" and active.consent_at is not None
    assert [r.email for r in service.audience.recipients(["public"])] == ["New@example.net"]
    bounce = service.audience.record_bounce
    for _ in range(service.ctx.settings.bounce_limit - 1):
        assert bounce(pending.id, hard=False, reason="452").status == "active"
    assert bounce(pending.id, hard=False, reason="452").status == "bounced"
