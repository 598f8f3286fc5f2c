"""Headers recognised by their words, whatever the spelling (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from newsletter.audience.columns import match_columns, match_header, parse_overrides
from newsletter.audience.tables import cell_text
from newsletter.audience.typos import suspicious_address
from newsletter.errors import ValidationError


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("SERVICE/ASSOCIATION", "organisation"), ("Service/Association", "organisation"),
        ("Nom de l'association / Vereniging", "organisation"), ("Organisaties", "organisation"),
        ("Nom du service", "organisation"), ("ASBL", "organisation"),
        ("MANDATAIRES", "name"), ("Mandataire", "name"), ("Représentant·e(s)", "name"),
        ("Naam", "name"), ("Personne de contact", "name"), ("Prénom", "first_name"),
        ("Adresse électronique (pro)", "email"), ("E-mail", "email"), ("Courriel", "email"),
        ("E-MAILADRES", "email"), ("Adresse e-mail de l'organisation", "email"),
        ("Type de membre", "membership"), ("Statut", "membership"),
        ("Lidmaatschap", "membership"), ("Effectif / Adhérent", "membership"),
        ("Taal / Langue", "language"), ("Langue de contact", "language"),
        ("Groupes de travail (GT)", "groups"), ("Werkgroepen", "groups"), ("GT", "groups"),
        ("Rôles", "roles"), ("Fonction", "roles"), ("Secteur", "sector"),
        ("Site web de l'association", "website"), ("URL", "website"),
        ("Téléphone", None), ("Adresse", None), ("Code postal", None), ("status", None),
        ("consent_source", None), ("", None),
    ],
)  # fmt: skip
def test_header_words(header: str, field: str | None) -> None:
    assert match_header(header) == field


def test_a_field_is_given_once_and_overrides_win() -> None:
    match = match_columns(["Organisation", "Organisatie", "Courriel", "Mail privé"])
    assert match.fields == ["organisation", None, "email", None]
    assert match.ignored == ["Organisatie", "Mail privé"]
    assert match.missing == ["membership"]
    forced = match_columns(
        ["Organisation", "Organisatie", "Courriel", "Mail privé"],
        parse_overrides(["Organisatie=organisation", "Mail privé=email"]),
    )
    assert forced.fields == [None, "organisation", None, "email"]
    assert match.signature() == forced.signature()


def test_bad_overrides_are_clear_errors() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_overrides(["Courriel=adresse"])
    assert "adresse" in raised.value.localized("fr") and "email" in raised.value.localized("fr")
    with pytest.raises(ValidationError):
        parse_overrides(["sans signe égal"])
    with pytest.raises(ValidationError) as absent:
        match_columns(["Courriel"], parse_overrides(["Absente=email"]))
    assert "Courriel" in absent.value.localized("nl")


def test_cells_read_as_text() -> None:
    assert cell_text(2640000.0) == "2640000"
    assert cell_text(2.5) == "2.5"
    assert cell_text(dt.datetime(2026, 12, 1)) == "2026-12-01"
    assert cell_text("02/640.00.01") == "02/640.00.01"
    assert cell_text(None) == ""


def test_mistyped_domains() -> None:
    assert suspicious_address("jean@gmial.com") == "jean@gmail.com"
    assert suspicious_address("jean@hotmial.com") == "jean@hotmail.com"
    assert suspicious_address("jean@skynet.bee") == "jean@skynet.be"
    assert suspicious_address("jean@gmail.com") is None
    assert suspicious_address("jean@cpas-ixelles.brussels") is None
    assert suspicious_address("jean@mail.org00.example.org") is None
