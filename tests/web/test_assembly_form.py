"""The console's AG forms: a refused change shows the page again with every value typed,
French and Dutch, and the error next to its field; nothing is half-saved."""

from __future__ import annotations

import html

from newsletter.service import Service
from tests.web.conftest import Browser
from tests.web.test_dutch_console import _field

FORM = {
    "original": "fr", "both": "yes", "language": "fr", "starts_at": "2030-03-01T14:00",
    "ends_at": "2030-03-01T17:00", "video_url": "",
    "title": "AG de printemps", "theme": "Le logement", "place": "Salle Exemple",
    "agenda": "Rapport d'activités\nDivers", "speakers": "Anne Exemple, CPAS d'Ixelles",
    "title_nl": "AV van de lente", "theme_nl": "Huisvesting", "place_nl": "Zaal Voorbeeld",
    "agenda_nl": "Activiteitenverslag\nVaria", "speakers_nl": "Anne Exemple, OCMW van Elsene",
}  # fmt: skip


def _kept_as_typed(page: str, typed: dict[str, str]) -> None:
    for name in ("title", "theme", "place", "title_nl", "theme_nl", "place_nl",
                 "starts_at", "ends_at", "video_url"):  # fmt: skip
        assert html.unescape(_field(page, name)) == typed[name], name
    for name in ("agenda", "speakers", "agenda_nl", "speakers_nl"):
        assert html.unescape(_field(page, name)) == typed[name], name


def _error_at(page: str, name: str) -> str:
    """The error shown next to the field ``name`` (the field points to it)."""
    assert f'aria-describedby="{name}-error' in page, name
    start = page.index(f'id="{name}-error"')
    return html.unescape(page[page.index(">", start) + 1 : page.index("</p>", start)])


def _create(console: Browser) -> str:
    console.get("/console/assemblies/new")
    created = console.post("/console/assemblies/new", FORM)
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def test_a_refused_edit_keeps_every_typed_value(service: Service, console: Browser) -> None:
    url = _create(console)
    assembly_id = int(url.rsplit("/", 1)[1])
    before = service.console.assembly(assembly_id)
    console.get(url)

    typed = dict(FORM, title="AG de printemps (nouveau titre)", theme_nl="Wonen",
                 speakers_nl="Bram, Buurthuis", video_url="http://visio.example.org")  # fmt: skip
    refused = console.post(f"{url}/edit", typed)
    assert refused.status_code == 400
    _kept_as_typed(refused.text, typed)
    assert "https://" in _error_at(refused.text, "video_url")
    assert 'role="alert"' in refused.text
    after = service.console.assembly(assembly_id)
    assert after == before  # nothing half-saved

    # a Dutch speaker without a name: the error at the Dutch speakers
    console.get(url)
    typed = dict(FORM, speakers_nl="Bram, Buurthuis\n, OCMW van Elsene")
    refused = console.post(f"{url}/edit", typed)
    assert refused.status_code == 400
    _kept_as_typed(refused.text, typed)
    assert "Nom, Organisation" in _error_at(refused.text, "speakers_nl")
    assert 'id="speakers-error"' not in refused.text

    # Dutch texts without a Dutch title: the error at the Dutch title
    console.get(url)
    typed = dict(FORM, title_nl="")
    refused = console.post(f"{url}/edit", typed)
    assert refused.status_code == 400
    _kept_as_typed(refused.text, typed)
    assert "titre" in _error_at(refused.text, "title_nl")

    # no place and no video link: the error at the address
    console.get(url)
    typed = dict(FORM, place="", place_nl="")
    refused = console.post(f"{url}/edit", typed)
    assert refused.status_code == 400
    _kept_as_typed(refused.text, typed)
    assert "visioconférence" in _error_at(refused.text, "place")

    # the end before the start: at the end
    console.get(url)
    typed = dict(FORM, ends_at="2030-03-01T12:00")
    refused = console.post(f"{url}/edit", typed)
    assert refused.status_code == 400 and _error_at(refused.text, "ends_at")
    assert service.console.assembly(assembly_id) == before

    # corrected, it is saved
    console.get(url)
    saved = console.post(f"{url}/edit", dict(FORM, speakers_nl="Bram, Buurthuis"))
    assert saved.status_code == 303
    assert service.console.assembly(assembly_id).texts["nl"]["speakers"] == [
        {"name": "Bram", "organisation": "Buurthuis"}
    ]


def test_a_refused_new_assembly_keeps_every_typed_value(console: Browser) -> None:
    console.get("/console/assemblies/new")
    typed = dict(FORM, starts_at="")
    refused = console.post("/console/assemblies/new", typed)
    assert refused.status_code == 400
    _kept_as_typed(refused.text, typed)
    assert _error_at(refused.text, "starts_at")

    # written in Dutch first: the Dutch column is the original, the error at its title
    console.get("/console/assemblies/new")
    typed = {
        "original": "fr",
        "language": "nl",
        "both": "yes",
        "starts_at": "2030-03-01T14:00",
        "title": "AG",
        "title_nl": "",
        "place_nl": "Zaal 1",
        "speakers_nl": "Bram, Buurthuis",
    }
    refused = console.post("/console/assemblies/new", typed)
    assert refused.status_code == 400
    assert _field(refused.text, "speakers") == "Bram, Buurthuis"  # the original's column now
    assert _field(refused.text, "title_fr") == "AG"
    assert "titre" in _error_at(refused.text, "title")
