"""The console's two-step import: upload → matching page → change a match → confirm."""

from __future__ import annotations

import html
import re

from newsletter.service import Service
from tests.web.conftest import Browser

FILE = (
    "Entité;MANDATAIRES;Courriel;Type de membre;Téléphone\n"
    "ASBL Alpha;Ann;ann@example.org;effectif;02 640\n"
    "ASBL Beta;Bob;bob@example.org;adhérent;\n"
    "ASBL Beta;Sans adresse;pas-une-adresse;adhérent;\n"
).encode("cp1252")


def _upload(console: Browser, data: bytes = FILE) -> str:
    response = console.client.post(
        "/console/import",
        data={"csrf_token": console.token},
        files={"file": ("annuaire.csv", data, "text/csv")},
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/console/import/[0-9a-f]{32}", location)
    return location


def _selected(html: str, index: int) -> str:
    select = re.search(rf'<select id="col_{index}".*?</select>', html, re.S)
    assert select is not None
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    assert chosen is not None
    return chosen.group(1)


def test_upload_match_change_confirm_and_remember(service: Service, console: Browser) -> None:
    console.get("/console/import")
    url = _upload(console)
    page = console.get(url)
    assert page.status_code == 200
    assert [_selected(page.text, i) for i in range(5)] == ["", "name", "email", "membership", ""]
    assert "Aucune colonne d&#39;organisation trouvée" in page.text
    assert 'id="count-created">2<' in page.text and "pas-une-adresse" in page.text
    assert service.audience.list_subscribers() == []  # nothing written yet

    fields = {"col_0": "organisation", "col_1": "name", "col_2": "email",
              "col_3": "membership", "col_4": ""}  # fmt: skip
    preview = console.post(url, {**fields, "action": "preview"})
    assert preview.status_code == 200
    assert _selected(preview.text, 0) == "organisation"
    assert "ASBL Alpha" in preview.text and "effectif 1 · adhérent 1" in preview.text
    assert service.audience.list_subscribers() == []

    done = console.post(url, {**fields, "action": "confirm"})
    assert done.status_code == 200 and "Rapport d&#39;import" in done.text
    assert "Colonnes ignorées : Téléphone" in done.text
    counts = {info.id: info.count for info in service.audience.lists()[0]}
    assert (counts["effectifs"], counts["adherents"]) == (1, 1)
    rejected = console.get(f"{url}/rejected.csv")
    assert rejected.status_code == 200 and "pas-une-adresse" in rejected.text

    # the next file with the same headers is matched the same way
    again = console.get(_upload(console))
    assert _selected(again.text, 0) == "organisation"
    assert 'id="count-unchanged">2<' in again.text


def test_unreadable_uploads_and_unknown_tokens(console: Browser) -> None:
    console.get("/console/import")
    response = console.client.post(
        "/console/import",
        data={"csrf_token": console.token},
        files={"file": ("x.csv", b"nom;telephone\nA;02\n", "text/csv")},
    )
    assert response.status_code == 400 and "courriel" in response.text
    missing = console.get("/console/import/" + "0" * 32)
    assert missing.status_code == 404
    assert console.get("/console/import/..%2F..%2Fetc").status_code == 404


def test_refused_matching_keeps_every_column_as_chosen(service: Service, console: Browser) -> None:
    """Leaving the e-mail column out is refused: the matching page again (status 400) with
    each column's field as chosen, the reason above the form and under the columns."""
    console.get("/console/import")
    url = _upload(console)
    console.get(url)
    chosen = {"col_0": "organisation", "col_1": "name", "col_2": "", "col_3": "membership",
              "col_4": "groups"}  # fmt: skip
    for action in ("preview", "confirm"):
        page = console.post(url, {**chosen, "action": action})
        assert page.status_code == 400, action
        assert [_selected(page.text, i) for i in range(5)] == [
            "organisation", "name", "", "membership", "groups"]  # fmt: skip
        text = html.unescape(page.text)
        assert 'id="import-errors"' in text and 'href="#columns-error"' in text
        error = re.search(r'<p class="field-error" id="columns-error">([^<]*)</p>', text)
        assert error is not None and "Aucune colonne d'adresse e-mail trouvée" in error.group(1)
        assert f'action="{url}"' in text  # the same staged file: try again without uploading
        assert service.audience.list_subscribers() == []
    # corrected, the same file imports
    done = console.post(url, {**chosen, "col_2": "email", "action": "confirm"})
    assert done.status_code == 200
    assert sorted(s.email for s in service.audience.list_subscribers()) == [
        "ann@example.org", "bob@example.org"]  # fmt: skip


def test_refused_upload_says_so_at_the_file_field(console: Browser) -> None:
    console.get("/console/import")
    response = console.client.post(
        "/console/import",
        data={"csrf_token": console.token},
        files={"file": ("x.csv", b"", "text/csv")},
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert 'id="import-errors"' in text and 'href="#file-error"' in text
    assert re.search(r'id="file"[^>]*aria-invalid="true"', text)
    assert '<p class="field-error" id="file-error">' in text
