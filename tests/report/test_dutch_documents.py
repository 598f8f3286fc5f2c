"""The printed documents made in Dutch name the network in Dutch
(``NEWSLETTER_ORGANISATION_NAME_NL``): the AG's attendance sheet (with the AG's Dutch
title and place), the yearly activity report and the printable edition of an issue.
Each PDF is read back with pdftotext."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsletter.render.model import load_issue_view
from newsletter.report.printable import printable_pdf
from newsletter.service import Service
from tests.assembly.conftest import add_network
from tests.content.sample import build_sample
from tests.report.test_activity import build_year
from tests.support.cli import Cli

FRENCH = "Coordination Sociale d'Ixelles"
DUTCH = "Sociale Coördinatie van Elsene"
NAME = {"fr": FRENCH, "nl": DUTCH}
OTHER = {"fr": DUTCH, "nl": FRENCH}


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


@pytest.fixture
def named(service: Service) -> Service:
    service.ctx.settings = service.ctx.settings.model_copy(
        update={"organisation_name": FRENCH, "organisation_name_nl": DUTCH}
    )
    return service


def test_the_attendance_sheet_in_dutch(named: Service, cli: Cli, tmp_path: Path) -> None:
    add_network(named)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    assembly = named.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple",
        texts={"nl": {"title": "AV van de lente", "place": "Zaal Voorbeeld"}},
    )  # fmt: skip
    nl = _text(named.assemblies.sheet_pdf(assembly.id, "nl"))
    assert "Aanwezigheidslijst – AV van de lente" in nl
    assert DUTCH in nl and "Zaal Voorbeeld" in nl and "Buurthuis Voorbeeld" in nl
    for french in (FRENCH, "AG de printemps", "Salle Exemple", "Liste de présence"):
        assert french not in nl, french
    fr = _text(named.assemblies.sheet_pdf(assembly.id, "fr"))
    assert "Liste de présence – AG de printemps" in fr
    assert FRENCH in fr and "Salle Exemple" in fr
    assert DUTCH not in fr and "AV van de lente" not in fr
    # an AG without a Dutch version: its French texts, the sheet's own words in Dutch
    only = named.editorial.create_assembly(title="AG d'automne", place="Salle Exemple",
                                           starts_at=start + timedelta(days=60))  # fmt: skip
    out = tmp_path / "aanwezigheden.pdf"
    assert cli("assembly", "sheet", str(only.id), "--out", str(out), "--lang", "nl").code == 0
    fallback = _text(out.read_bytes())
    assert "Aanwezigheidslijst – AG d'automne" in fallback and "Salle Exemple" in fallback


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_activity_report_names_the_network_in_its_language(named: Service, lang: str) -> None:
    build_year(named)
    files = named.reports.activity_files(2025, lang)
    text = _text(files["activity.pdf"])
    assert NAME[lang] in text and OTHER[lang] not in text
    html = files["activity.html"].decode("utf-8").replace("&#39;", "'")
    assert NAME[lang] in html and OTHER[lang] not in html


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_printable_edition_names_the_network_in_its_language(named: Service, lang: str) -> None:
    settings = named.ctx.settings
    with named.ctx.db.session() as session:
        issue_id = build_sample(session, settings)
        view = load_issue_view(session, settings, issue_id, lang)
    text = _text(printable_pdf(settings, view, lang))
    assert NAME[lang] in text and OTHER[lang] not in text
