"""In Chromium: the AG form in both languages with its speakers, a refused change shown
again as typed with the error at its field (the AG, an organisation, a person's address),
and a Dutch-speaking member's RSVP page and confirmation; axe-core checks each page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page

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
    visitor,
)


def _log_in(page: Page) -> None:
    page.goto("/console/")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Tableau de bord')")


def test_refused_forms_keep_what_was_typed(
    coordinator: Page,  # noqa: F811
    auditor: Auditor,  # noqa: F811
) -> None:
    page = coordinator
    _log_in(page)
    page.goto("/console/assemblies/new")
    start = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT18:00")
    page.fill("#title", "AG d'automne")
    page.fill("#title_nl", "Herfstvergadering")
    page.fill("#place", "Salle Exemple")
    page.fill("#place_nl", "Zaal Voorbeeld")
    page.fill("#starts_at", start)
    page.fill("#speakers", "Anne Exemple, CPAS d'Ixelles")
    page.fill("#speakers_nl", "Anne Exemple, OCMW van Elsene")
    page.click('button:has-text("Créer l\'assemblée")')
    page.wait_for_selector("text=Assemblée créée")
    assembly_url = page.url

    # a bad Dutch speaker and a new French title: refused, everything typed is still there
    page.fill("#title", "AG d'automne (nouvelle date)")
    page.fill("#speakers_nl", "Anne Exemple, OCMW van Elsene\n, zonder naam")
    page.click("#edit button[type=submit]")
    page.wait_for_selector("#speakers_nl-error")
    assert page.input_value("#title") == "AG d'automne (nouvelle date)"
    assert page.input_value("#speakers_nl") == "Anne Exemple, OCMW van Elsene\n, zonder naam"
    assert page.input_value("#place_nl") == "Zaal Voorbeeld"
    assert page.get_attribute("#speakers_nl", "aria-invalid") == "true"
    auditor.check(page, "assembly-edit-refused")
    page.fill("#speakers_nl", "Anne Exemple, OCMW van Elsene")
    page.click("#edit button[type=submit]")
    page.wait_for_selector("text=Modifications enregistrées")
    assert page.url == assembly_url
    assert page.input_value("#title") == "AG d'automne (nouvelle date)"

    page.goto("/console/members/organisations")
    page.click("a:has-text('Buurthuis Voorbeeld')")
    page.fill("#sector", "Jeugdwerk")
    page.fill("#website", "ftp://buurthuis.example.org")
    page.click("#details button[type=submit]")
    page.wait_for_selector("#website-error")
    assert page.input_value("#sector") == "Jeugdwerk"
    assert page.input_value("#website") == "ftp://buurthuis.example.org"
    auditor.check(page, "organisation-refused")

    page.goto("/console/members?q=social%40maison")
    page.click("a:has-text('social@maison.example.org')")
    page.fill("#new-email", "accueil@maison.example.org")  # someone else's address
    page.click('button:has-text("Changer l\'adresse")')
    page.wait_for_selector("#new-email-error")
    assert page.input_value("#new-email") == "accueil@maison.example.org"
    auditor.check(page, "person-address-refused")


def test_a_dutch_member_answers_and_gets_the_confirmation(
    browser: Browser,  # noqa: F811
    env: Env,  # noqa: F811
    auditor: Auditor,  # noqa: F811
) -> None:
    service = env.service
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=25)
    created = service.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple",
        speakers=[{"name": "Anne Exemple", "organisation": "CPAS d'Ixelles"}],
        texts={"nl": {"title": "Lentevergadering", "place": "Zaal Voorbeeld",
                      "speakers": [{"name": "Anne Exemple", "organisation": "OCMW van Elsene"}]}},
    )  # fmt: skip
    member_id = next(
        s.id for s in service.audience.list_subscribers() if s.email.startswith("onthaal@")
    )
    member = visitor(browser, env)
    member.goto(service.rsvp.url(created.id, member_id))
    assert "Lentevergadering" in member.inner_text("main")
    auditor.check(member, "rsvp-dutch")
    member.check("#att-yes")
    member.click("form button[type=submit]")
    member.wait_for_selector("text=uw inschrijving is genoteerd")
    auditor.check(member, "rsvp-dutch-answered", screenshot=False)
    member.context.close()
    confirmation = next(
        m for m in env.mails_to("onthaal@buurthuis.example.org")
        if "Uw antwoord" in str(m.message["Subject"])
    )  # fmt: skip
    assert "Lentevergadering" in confirmation.body()
