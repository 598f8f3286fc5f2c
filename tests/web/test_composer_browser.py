"""The composer in Chromium: nothing typed is lost when another button is used before
saving (autosave, the preview following), and an issue's life through its buttons:
schedule → unschedule → edit → schedule again; axe-core on the pages changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import FilePayload, Page

from newsletter.service import Service
from tests.content.sample import PDF
from tests.support.served import ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)
DIRECTORY = (
    "organisation;nom;email;statut;langue\n"
    "Maison de quartier Exemple;Accueil;accueil@maison.example.org;effectif;fr\n"
    "Buurthuis Voorbeeld;Onthaal;onthaal@buurthuis.example.org;effectif;nl\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str]]:
    with ServedApp(tmp_path_factory.mktemp("composer")) as app:
        app.service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
        app.add_coordinator()
        for title in ("Repair café", "Permanence logement"):
            item = app.service.editorial.submit_news(title=title, body="Texte.")
            app.service.moderation.moderate(item.id, "approve", by="test")
        app.start()
        yield app.service, app.base


@pytest.fixture(scope="module")
def page(served: tuple[Service, str]) -> Iterator[Page]:
    with coordinator_page(served[1]) as tab:
        yield tab


def test_nothing_typed_is_lost(page: Page, served: tuple[Service, str]) -> None:
    service = served[0]
    page.goto("/console/issues")
    page.fill("#title", "Lettre d'hiver")
    page.click("button:has-text('Créer le numéro')")
    page.wait_for_selector("text=Brouillon créé")
    issue_url = page.url.split("#")[0]
    page.fill("#introduction", "Bonjour à toutes et à tous.")
    page.check("#list-membres")
    # move an item at once, before any "Enregistrer": the button saves the form first
    with page.expect_navigation():
        page.click("button[aria-label^='Descendre']")
    assert page.input_value("#introduction") == "Bonjour à toutes et à tous."
    assert page.is_checked("#list-membres")
    entries = page.locator("#items ol.order-list strong").all_inner_texts()
    assert entries == ["Permanence logement", "Repair café"]
    # typed, then an annex added before saving: nothing lost either
    page.fill("#introduction", "Bonjour à toutes et à tous, voici l'hiver.")
    annex: FilePayload = {"name": "programme.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#annex-file", files=[annex])
    with page.expect_navigation():
        page.click("#annexes button[type=submit]:not([aria-label])")
    page.wait_for_selector("text=programme.pdf")
    assert page.input_value("#introduction") == "Bonjour à toutes et à tous, voici l'hiver."
    # autosave alone: the state says it, the preview follows (its delay is not timed here)
    page.fill("#introduction", "Texte tout neuf de l'éditorial.")
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    frame = page.frame_locator("#preview-frame")
    frame.locator("text=Texte tout neuf de l'éditorial.").wait_for(timeout=15000)
    issue_id = int(issue_url.rsplit("/", 1)[1])
    assert service.console.issue_detail(issue_id).introduction == "Texte tout neuf de l'éditorial."
    Auditor().check(page, "composer-autosave", screenshot=False)


def test_schedule_unschedule_edit_schedule(page: Page, served: tuple[Service, str]) -> None:
    service = served[0]
    issue_id = max(i.id for i in service.console.issues())
    page.goto(f"/console/issues/{issue_id}")
    when = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT09:30")
    page.fill("#at", when)
    page.click("button[formaction$='/schedule']")
    page.wait_for_selector("text=Envoi programmé")
    Auditor().check(page, "sending-scheduled", screenshot=False)
    page.click("button:has-text('Déprogrammer et modifier')")
    page.wait_for_selector("text=de nouveau un brouillon")
    assert page.input_value("#at") == when  # the planned time is kept
    page.fill("#title", "Lettre d'hiver (corrigée)")
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    page.click("button[formaction$='/schedule']")
    page.wait_for_selector("text=Envoi programmé")
    assert service.delivery.status(issue_id).status == "scheduled"
    assert service.editorial.get_issue(issue_id).title == "Lettre d'hiver (corrigée)"
