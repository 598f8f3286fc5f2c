"""The directory as coordinators really have it: the seed report's own table headers,
header variants, an unknown column, in CSV (two dialects), .xlsx and .ods; on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from newsletter.errors import ValidationError
from newsletter.service import Service
from tests.audience.sheets import FORMATS, Cell, write_table

HEADER = ["SERVICE/ASSOCIATION", "MANDATAIRES", "Adresse électronique (pro)", "Type de membre",
          "Taal / Langue", "Groupes de travail (GT)", "Téléphone", "Membre depuis"]  # fmt: skip
ROWS: list[list[Cell]] = [
    ["Abaka, Centre de crise pour adolescents", "M. Eric Fairier", "eric@abaka.example.org",
     "Effectif", "FR", "Logement", 2640000, dt.date(2019, 5, 1)],
    ["Aide et Soins à Domicile Bxl", "Mme Gaëlle Exemple", "gaelle@asd.example.org",
     "Adhérent", "NL", "Santé mentale, Logement", "02/640.00.01", None],
    ["Centre d'Action Sociale Globale", "Mme Une", "une@casg.example.org", "effectif", "fr",
     "", None, None],
    [None, None, None, None, None, None, None, None],
    ["Centre d’Action Sociale Globale", "M. Deux", "deux@casg.example.org", "effectif", "",
     "Aide alimentaire", None, None],
    ["", "Sans Organisation", "seul@example.net", "Effectif", "FR", "", None, None],
    ["Abaka, Centre de crise pour adolescents", "M. Eric Fairier", "ERIC@abaka.example.org",
     "Effectif", "FR", "Aide alimentaire", None, None],
    ["Free Clinic", "M. Thomas", "thomas@gmial.com", "Adhérent", "FR", "", None, None],
    ["Free Clinic", "Mme Sans Domaine", "x@freeclinic", "Adhérent", "FR", "", None, None],
    ["Observatoire", "Y", "pas-une-adresse", "Effectif", "FR", "", None, None],
]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_headers_variants_and_unknown_columns(
    service: Service, tmp_path: Path, fmt: str
) -> None:
    sheet = fmt in ("xlsx", "ods")
    path = write_table(tmp_path / "annuaire", fmt, HEADER, ROWS,
                       title="Répertoire CSXL 2026" if sheet else "")  # fmt: skip
    report = service.audience.import_members(path, path.name)

    assert report.columns == {
        "SERVICE/ASSOCIATION": "organisation", "MANDATAIRES": "name",
        "Adresse électronique (pro)": "email", "Type de membre": "membership",
        "Taal / Langue": "language", "Groupes de travail (GT)": "groups",
        "Téléphone": None, "Membre depuis": None,
    }  # fmt: skip
    assert report.ignored == ["Téléphone", "Membre depuis"]
    assert report.missing == []
    assert report.unit == ("row" if sheet else "line")
    first = 4 if sheet else 2  # title row and an empty row above the header in the sheets
    assert [r.line for r in report.rejected] == [first + 9]
    assert len(report.created) == 7 and report.merged == 1
    assert report.organisations_created == 4
    assert report.memberships == {"effectif": 3, "adherent": 3, "none": 1}

    counts = {info.id: info.count for info in service.audience.lists()[0]}
    assert (counts["effectifs"], counts["adherents"], counts["membres"]) == (3, 3, 6)
    eric = service.audience.find_subscriber("eric@abaka.example.org")
    assert eric is not None
    assert eric.organisation == "Abaka, Centre de crise pour adolescents"
    assert eric.groups == ["aide-alimentaire", "logement"]  # both lines, united
    gaelle = service.audience.find_subscriber("gaelle@asd.example.org")
    assert gaelle is not None and gaelle.language == "nl" and gaelle.membership == "adherent"

    notices = {n.line: n.reason.render("fr") for n in report.notices}
    assert "fusionnées" in notices[first + 4]  # Centre d’Action… spelled with ’
    assert "sans organisation" in notices[first + 5]
    assert "ligne" in notices[first + 6] and "fusionnée" in notices[first + 6]
    assert "thomas@gmail.com" in notices[first + 7]
    assert "domaine de premier niveau" in notices[first + 8]
    assert service.audience.find_subscriber("x@freeclinic") is not None
    assert len({o.name for o in service.audience.organisations()}) == 4

    again = service.audience.import_members(path, path.name)
    assert (len(again.created), len(again.updated)) == (0, 0)


def test_a_failure_half_way_leaves_the_directory_as_it_was(
    service: Service, tmp_path: Path
) -> None:
    lines = ["organisation;nom;email;statut"]
    lines += [f"Org {i};P {i};p{i}@example.org;effectif" for i in range(1500)]
    lines.append("Org X;" + "x" * (1 << 20 + 1) + ";late@example.org;effectif")
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as raised:
        service.audience.import_members(path, path.name)
    assert "1502" in raised.value.localized("fr")
    assert service.audience.list_subscribers() == []
    assert service.audience.organisations() == []


def test_a_reimport_keeps_what_the_person_chose(service: Service) -> None:
    first = (
        "organisation;email;langue;statut\nA;ann@example.org;fr;effectif\nA;bob@example.org;fr;\n"
    )
    service.audience.import_members(first.encode(), "a.csv")
    ann = service.audience.find_subscriber("ann@example.org")
    assert ann is not None
    service.audience.choose_language(ann.id, "nl")
    service.audience.unsubscribe("bob@example.org", source="one-click")

    second = "organisation;email;langue\nA;ann@example.org;fr\nA;bob@example.org;nl\n"
    report = service.audience.import_members(second.encode(), "b.csv")
    kept = {n.email: n.reason.render("fr") for n in report.notices}
    assert "choix de la personne conservé" in kept["ann@example.org"]
    assert "choix de la personne conservé" in kept["bob@example.org"]
    people = {p.email: p for p in service.audience.list_subscribers()}
    assert people["ann@example.org"].language == "nl"
    assert people["bob@example.org"].status == "unsubscribed"
    assert people["bob@example.org"].language == "nl"  # the file may change what nobody chose


def test_rejected_rows_come_back_as_a_csv_ready_to_fix(service: Service) -> None:
    text = "organisation;email;statut;remarque\nA;bad@;effectif;=1+1\nB;ok@example.org;adhérent;\n"
    report = service.audience.import_members(text.encode(), "a.csv")
    rejected = report.rejected_csv("fr").decode("utf-8-sig").splitlines()
    assert rejected[0] == "Motif;Ligne;organisation;email;statut;remarque"
    assert rejected[1].startswith("adresse e-mail invalide « bad@ »;2;A;bad@;effectif;'=1+1")
    fixed = "\r\n".join(rejected).replace("bad@", "fixed@example.org", 2)
    again = service.audience.import_members(fixed.encode("utf-8"), "rejets.csv")
    assert [o.email for o in again.created] == ["fixed@example.org"]
    assert again.ignored == ["Motif", "Ligne", "remarque"]


def test_matching_changed_by_hand_and_missing_columns(service: Service) -> None:
    text = "Entité;Contact;Courriel;Note\nASBL A;Ann;ann@example.org;x\n"
    plain = service.audience.match_columns(text.encode())
    assert plain.as_dict() == {"Entité": None, "Contact": "name", "Courriel": "email",
                               "Note": None}  # fmt: skip
    assert plain.missing == ["organisation", "membership"]
    report = service.audience.import_members(text.encode(), overrides={"entite": "organisation"})
    assert report.columns["Entité"] == "organisation"
    assert service.audience.find_subscriber("ann@example.org").organisation == "ASBL A"  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as raised:
        service.audience.import_members(text.encode(), overrides={"courriel": None})
    assert "Aucune colonne d'adresse e-mail" in raised.value.localized("fr") or "courriel" in (
        raised.value.localized("fr")
    )
    assert service.audience.list_subscribers()[0].email == "ann@example.org"
