"""In Chromium: add a person, change their address, edit an organisation's membership and
see the lists' counts follow; axe-core checks every new page."""

from __future__ import annotations

import re

from playwright.sync_api import Page

# the served app, Chromium and the accessibility auditor of the main browser test
from tests.support.served import EMAIL, PASSWORD
from tests.web.browser import Auditor
from tests.web.test_browser import (  # noqa: F401
    Env,
    auditor,
    browser,
    coordinator,
    env,
    playwright,
)


def _count(page: Page, list_id: str) -> int:
    page.goto("/console/members/lists")
    row = page.locator(f"a[href='/console/members?list={list_id}']").locator("xpath=ancestor::tr")
    return int(row.locator("td").last.inner_text().strip())


def test_people_and_organisations(coordinator: Page, env: Env, auditor: Auditor) -> None:  # noqa: F811
    page = coordinator
    page.goto("/console/")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Tableau de bord')")

    page.goto("/console/members")
    page.click("a:has-text('Ajouter une personne')")
    auditor.check(page, "person-new")
    page.fill("#email", "nouvelle@epicerie.example.org")
    page.fill("#name", "Nouvelle personne")
    page.select_option("#organisation", "Épicerie solidaire du Canal")
    page.click("button:has-text('Ajouter cette personne')")
    page.wait_for_selector("text=Personne ajoutée.")
    assert page.locator("h1").inner_text() == "nouvelle@epicerie.example.org"
    person_url = page.url

    page.fill("#new-email", "nouvelle.adresse@epicerie.example.org")
    page.click('button:has-text("Changer l\'adresse")')
    page.wait_for_selector("text=Adresse changée")
    assert page.locator("h1").inner_text() == "nouvelle.adresse@epicerie.example.org"
    assert "nouvelle@epicerie.example.org" in page.inner_text("table:has(caption)")
    auditor.check(page, "person")
    page.click("a:has-text('Tout ce qui est conservé sur cette personne')")
    assert "Anciennes adresses" in page.inner_text("main")
    auditor.check(page, "person-data")

    page.goto("/console/members?q=nouvelle%40epicerie")  # found by the old address
    assert page.locator("tbody tr").count() == 1
    auditor.check(page, "members-search")

    effectifs, adherents = _count(page, "effectifs"), _count(page, "adherents")
    page.goto("/console/members/organisations")
    page.click("a:has-text('Épicerie solidaire du Canal')")
    auditor.check(page, "organisation")
    assert "nouvelle.adresse@epicerie.example.org" in page.inner_text("main")
    page.check("#membership-effectif")
    page.fill("#sector", "Aide alimentaire")
    page.click("button:has-text('Enregistrer les modifications')")
    page.wait_for_selector("text=Modifications enregistrées")
    assert page.locator("#membership-effectif").is_checked()
    # the organisation's two people moved from the adhérents to the effectifs
    assert _count(page, "effectifs") == effectifs + 2
    assert _count(page, "adherents") == adherents - 2

    page.goto(person_url)
    assert re.search(r"/console/members/\d+$", page.url)
