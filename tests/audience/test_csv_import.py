"""Parsing directory exports as Excel and LibreOffice write them (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.audience.csv_import import parse_directory
from newsletter.errors import ValidationError
from newsletter.models import Language, Membership

FIXTURE = Path(__file__).parent.parent / "fixtures" / "annuaire.csv"


def test_semicolon_windows_1252_french_headers() -> None:
    parsed = parse_directory(FIXTURE.read_bytes())
    assert parsed.encoding == "cp1252"
    assert parsed.delimiter == ";"
    assert len([row for row in parsed.rows if not row.merge_of]) == 90
    first = parsed.rows[0]
    assert first.organisation == "Maison de quartier Exemple 1"
    assert first.name == "Mandataire 00"
    assert first.membership is Membership.full
    assert first.language is Language.nl
    assert first.groups == ["aide-alimentaire"]
    assert first.roles == ["comite"]
    assert parsed.rows[-1].membership is Membership.associate
    assert any(row.organisation.startswith("Épicerie sociale") for row in parsed.rows)
    rejected = {r.line: r.reason.render("fr") for r in parsed.rejected}
    assert sorted(rejected) == [13, 31, 51]
    assert "adresse" in rejected[13]
    assert "pas-une-adresse" in rejected[31]
    assert "Observateur" in rejected[51]
    merged = [n for n in parsed.notices if n.line == 71]
    assert "ligne 7" in merged[0].reason.render("fr")
    assert [row.merge_of for row in parsed.rows if row.line == 71] == [7]


def test_utf8_bom_comma_english_headers_and_value_spellings() -> None:
    text = (
        "\ufeffOrganization,Name,E-mail,Membership,Language,Groups\r\n"
        'ASBL Exemple,Ann,ann@example.org,ADHÉRENT,Néerlandais,"logement, Santé Mentale"\r\n'
        "VZW Voorbeeld,Bert,BERT@Example.org,effectief,nederlands,Aide alimentaire|logement\r\n"
    )
    parsed = parse_directory(text.encode("utf-8"))
    assert parsed.encoding == "utf-8-sig"
    assert [r.membership for r in parsed.rows] == [Membership.associate, Membership.full]
    assert [r.language for r in parsed.rows] == [Language.nl, Language.nl]
    assert parsed.rows[0].groups == ["logement", "sante-mentale"]
    assert parsed.rows[1].groups == ["aide-alimentaire", "logement"]
    assert parsed.rows[1].email == "BERT@example.org"


def test_dutch_headers_utf16_tabs() -> None:
    text = (
        "Organisatie\tNaam\tE-mailadres\tLidmaatschap\tTaal\tGroepen\r\n"
        "Dienst X\tCor\tcor@example.net\tadhérent\tNL\t\r\n"
    )
    parsed = parse_directory(text.encode("utf-16"))
    assert parsed.delimiter == "\t"
    assert parsed.rows[0].organisation == "Dienst X"
    assert parsed.rows[0].membership is Membership.associate


def test_line_numbers_follow_multiline_cells_and_blank_lines() -> None:
    text = 'nom;courriel;organisation\n"Deux\nlignes";ok@example.org;A\n\nSans;;B\nFaux;faux@;C\n'
    parsed = parse_directory(text.encode())
    assert [r.email for r in parsed.rows] == ["ok@example.org"]
    assert [(r.line, r.reason.msgid) for r in parsed.rejected] == [
        (5, "no e-mail address"),
        (6, "invalid e-mail address '{value}'"),
    ]


def test_several_addresses_in_one_cell_and_organisation_only_rows() -> None:
    text = 'organisation;email\nA;"a@example.org; b@example.org"\nB;\n'
    parsed = parse_directory(text.encode())
    assert [r.email for r in parsed.rows] == ["a@example.org", "b@example.org", ""]
    assert parsed.rows[2].organisation == "B"


def test_missing_email_column_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as raised:
        parse_directory(b"nom;telephone\nA;02\n")
    assert "telephone" in raised.value.localized("fr")


def test_empty_file() -> None:
    with pytest.raises(ValidationError):
        parse_directory(b"\n\n")


def test_contradicting_memberships_of_one_organisation_are_reported() -> None:
    text = (
        "organisation;email;statut\nASBL A;a@example.org;effectif\nasbl a;b@example.org;adhérent\n"
    )
    parsed = parse_directory(text.encode())
    assert [r.email for r in parsed.rows] == ["a@example.org"]
    assert parsed.rejected[0].line == 3
    assert "ligne 2" in parsed.rejected[0].reason.render("fr")
