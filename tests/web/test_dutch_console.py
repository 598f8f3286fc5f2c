"""Writing both languages in the console: news items and AGs, French and Dutch side by
side, without JavaScript (plain form posts)."""

from __future__ import annotations

import re

from newsletter.service import Service
from tests.web.conftest import Browser


def _field(html: str, name: str) -> str:
    """The value of the input (or the text of the textarea) called ``name``."""
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="([^"]*)"', html)
    if found:
        return found.group(1)
    area = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>([^<]*)</textarea>', html)
    assert area, f"no field {name}"
    return area.group(1)


NEWS_FORM = {
    "both": "yes", "original": "fr", "language": "fr", "category": "actualite",
    "title": "Portes ouvertes", "body": "Bienvenue samedi.", "link": "https://example.org/po",
    "link_text": "Le programme", "event_place": "Salle des fêtes",
    "title_nl": "Opendeurdag", "body_nl": "Welkom op zaterdag.",
    "link_text_nl": "Het programma", "event_place_nl": "Feestzaal",
}  # fmt: skip


def test_news_item_both_versions_side_by_side(service: Service, console: Browser) -> None:
    item = service.editorial.submit_news(
        title="Portes ouvertes", body="Bienvenue.", sender="accueil@maison.example.org"
    )
    page = console.get(f"/console/news/{item.id}").text
    # both columns, each marked with its language; the missing Dutch version is marked
    assert 'fieldset class="version" lang="fr"' in page and 'lang="nl" id="version-nl"' in page
    assert "NL manquant" in page and 'name="title_nl"' in page and 'name="link_text"' in page
    assert 'name="event_place_nl"' in page

    saved = console.post(f"/console/news/{item.id}/edit", NEWS_FORM)
    assert saved.status_code == 303, saved.text
    stored = service.console.news_detail(item.id)
    assert stored.languages == ["fr", "nl"]
    assert stored.texts["fr"]["link_text"] == "Le programme"
    assert stored.texts["nl"] == {
        "title": "Opendeurdag", "body_html": "<p>Welkom op zaterdag.</p>",
        "body_source": "Welkom op zaterdag.", "link_text": "Het programma",
        "image_alt": "", "event_place": "Feestzaal",
    }  # fmt: skip
    page = console.get(f"/console/news/{item.id}").text
    assert "NL manquant" not in page and _field(page, "title_nl") == "Opendeurdag"
    assert _field(page, "body_nl") == "Welkom op zaterdag."

    # a Dutch version with a link more than the French one: kept, and flagged
    linked = dict(NEWS_FORM, body_nl="Welkom. [Meer](https://example.org/meer)")
    assert console.post(f"/console/news/{item.id}/edit", linked).status_code == 303
    page = console.get(f"/console/news/{item.id}").text
    assert "La version NL a 1 lien(s), la version FR 0." in page

    # the original was Dutch after all: both texts stay in their own language
    swapped = dict(NEWS_FORM, language="nl")
    assert console.post(f"/console/news/{item.id}/edit", swapped).status_code == 303
    stored = service.console.news_detail(item.id)
    assert stored.language == "nl" and stored.title == "Opendeurdag"
    assert stored.texts["fr"]["title"] == "Portes ouvertes"
    assert stored.texts["fr"]["event_place"] == "Salle des fêtes"

    # emptying the French column (now the other version) removes it
    page = console.get(f"/console/news/{item.id}").text
    assert _field(page, "title") == "Opendeurdag" and _field(page, "title_fr") == "Portes ouvertes"
    only_nl = {"both": "yes", "original": "nl", "language": "nl", "category": "actualite",
               "title": "Opendeurdag", "body": "Welkom."}  # fmt: skip
    assert console.post(f"/console/news/{item.id}/edit", only_nl).status_code == 303
    assert service.console.news_detail(item.id).languages == ["nl"]
    assert "FR manquant" in console.get(f"/console/news/{item.id}").text


def test_news_item_bad_other_version_keeps_what_was_typed(
    service: Service, console: Browser
) -> None:
    item = service.editorial.submit_news(title="Atelier", body="Samedi.")
    console.get(f"/console/news/{item.id}")
    # a Dutch text without a Dutch title: refused, the page keeps both columns as typed
    refused = console.post(
        f"/console/news/{item.id}/edit",
        dict(NEWS_FORM, title="Atelier vélo", title_nl="", body_nl="Zaterdag <b>fietsen</b>."),
    )
    assert refused.status_code == 400
    assert "Une actualité doit avoir un titre." in refused.text
    assert _field(refused.text, "title") == "Atelier vélo"
    assert _field(refused.text, "body_nl") == "Zaterdag &lt;b&gt;fietsen&lt;/b&gt;."
    stored = service.console.news_detail(item.id)
    assert stored.title == "Atelier" and stored.languages == ["fr"]  # nothing half-saved


def test_assembly_both_languages_side_by_side(service: Service, console: Browser) -> None:
    form = console.get("/console/assemblies/new").text
    assert 'name="title_nl"' in form and 'name="agenda_nl"' in form and "NL manquant" in form
    created = console.post("/console/assemblies/new", {
        "original": "fr", "language": "fr", "both": "yes", "starts_at": "2030-03-01T14:00",
        "title": "AG de printemps", "theme": "Le logement", "place": "Salle Exemple, 1er étage",
        "agenda": "Rapport d'activités\nDivers",
        "title_nl": "AV van de lente", "theme_nl": "Huisvesting",
        "place_nl": "Zaal Voorbeeld, 1ste verdieping", "agenda_nl": "Activiteitenverslag\nVaria",
        "speakers": "Anne Exemple, CPAS d'Ixelles", "speakers_nl": "Anne Exemple, OCMW van Elsene",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    assembly = service.console.assembly(int(url.rsplit("/", 1)[1]))
    assert assembly.texts["nl"] == {
        "title": "AV van de lente", "theme": "Huisvesting",
        "place": "Zaal Voorbeeld, 1ste verdieping", "agenda": ["Activiteitenverslag", "Varia"],
        "speakers": [{"name": "Anne Exemple", "organisation": "OCMW van Elsene"}],
    }  # fmt: skip
    assert assembly.speakers == [{"name": "Anne Exemple", "organisation": "CPAS d'Ixelles"}]
    page = console.get(url).text
    assert _field(page, "speakers_nl") == "Anne Exemple, OCMW van Elsene"
    assert _field(page, "speakers") == "Anne Exemple, CPAS d&#39;Ixelles"
    assert _field(page, "title_nl") == "AV van de lente" and "NL manquant" not in page
    assert _field(page, "agenda_nl") == "Activiteitenverslag\nVaria"

    edited = console.post(f"{url}/edit", {
        "original": "fr", "both": "yes", "starts_at": "2030-03-01T14:00",
        "title": "AG de printemps", "agenda": "Rapport d'activités", "video_url": "https://visio.example.org/ag",
        "title_nl": "Lente-AV", "theme_nl": "Wonen", "agenda_nl": "Activiteitenverslag",
    })  # fmt: skip
    assert edited.status_code == 303
    assembly = service.console.assembly(assembly.id)
    assert assembly.texts["nl"]["title"] == "Lente-AV" and assembly.texts["nl"]["theme"] == "Wonen"
    assert assembly.texts["nl"]["place"] == "" and assembly.theme == ""

    # the Dutch column emptied: that version is gone, and marked missing
    cleared = console.post(f"{url}/edit", {
        "original": "fr", "both": "yes", "starts_at": "2030-03-01T14:00",
        "title": "AG de printemps", "video_url": "https://visio.example.org/ag",
    })  # fmt: skip
    assert cleared.status_code == 303
    assert service.console.assembly(assembly.id).texts["nl"]["title"] == ""
    assert "NL manquant" in console.get(url).text


def test_assembly_written_in_dutch_first(service: Service, console: Browser) -> None:
    console.get("/console/assemblies/new")
    created = console.post("/console/assemblies/new", {
        "original": "fr", "language": "nl", "both": "yes", "starts_at": "2030-06-01T14:00",
        "title_nl": "AV van juni", "agenda_nl": "Varia", "place_nl": "Zaal Voorbeeld",
    })  # fmt: skip
    assert created.status_code == 303, created.text
    assembly = service.console.assembly(int(created.headers["location"].rsplit("/", 1)[1]))
    assert assembly.language == "nl" and assembly.title == "AV van juni"
    assert assembly.texts["fr"]["title"] == ""
    page = console.get(created.headers["location"]).text
    assert "FR manquant" in page and _field(page, "title") == "AV van juni"


def test_annex_labels_in_both_languages(service: Service, console: Browser) -> None:
    issue = service.editorial.draft_issue(title="Lettre de mars")
    console.get(f"/console/issues/{issue.id}")
    added = console.client.post(
        f"/console/issues/{issue.id}/annexes",
        data={"csrf_token": console.token, "label": "Programme", "label_other": "Programma"},
        files={"file": ("programme.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert added.status_code == 303, added.text
    detail = service.console.issue_detail(issue.id)
    annex_id = detail.annexes[0][0]
    assert detail.annex_labels[annex_id] == {"fr": "Programme", "nl": "Programma"}
    page = console.get(f"/console/issues/{issue.id}").text
    assert (
        f'name="annex_label_{annex_id}_nl" type="text" form="texts-form" value="Programma"' in page
    )

    saved = console.post(f"/console/issues/{issue.id}/annexes/{annex_id}/labels",
                         {"label_fr": "Le programme", "label_nl": ""})  # fmt: skip
    assert saved.status_code == 303
    labels = service.console.issue_detail(issue.id).annex_labels[annex_id]
    assert labels == {"fr": "Le programme", "nl": ""}
    assert "NL manquant" in console.get(f"/console/issues/{issue.id}").text
