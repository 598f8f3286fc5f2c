"""The check-in page on a phone (375 px wide) in Chromium, checked with axe-core: search
an organisation, tick a person present, add someone walking in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ViewportSize, sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.models import RsvpChoice
from newsletter.service import Service
from tests.assembly.conftest import DIRECTORY
from tests.support.ports import free_port
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Auditor, ServerThread

pytestmark = pytest.mark.timeout(300)

EMAIL, PASSWORD = "coordination@example.org", "mot-de-passe-de-test"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Service, str, int]]:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        secret_key=SecretStr("browser-test-secret-key"),
        lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates",
        base_url=f"http://127.0.0.1:{port}",
        from_address="Coordination sociale <news@example.org>",
    )
    ctx = open_context(settings)
    service = Service(ctx)
    service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    assembly_id = service.editorial.create_assembly(
        title="AG de printemps", starts_at=start, place="Salle Exemple, Bruxelles"
    ).id
    service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes, people=2)
    server = ServerThread(settings, "127.0.0.1", port)
    server.start()
    try:
        yield service, settings.base_url, assembly_id
    finally:
        server.stop()
        ctx.close()


def test_check_in_on_a_phone(served: tuple[Service, str, int]) -> None:
    service, base, assembly_id = served
    auditor = Auditor()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        phone: ViewportSize = {"width": 375, "height": 740}
        context = chromium.new_context(
            locale="fr-BE", base_url=base, is_mobile=True, has_touch=True, viewport=phone
        )
        page = context.new_page()
        page.goto("/console/login")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/console/")
        page.goto(f"/console/assemblies/{assembly_id}/checkin")
        auditor.check(page, "checkin-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the check-in page scrolls sideways ({width} px)"
        assert "Accueil" in page.inner_text(".checkin-list")
        # search an organisation that did not answer, tick its person present
        page.fill("#q", "centre")
        page.click(".checkin-search button")
        page.wait_for_selector(".checkin-list >> text=Centre Exemple")
        page.click("button:has-text('Cocher présent')")
        page.wait_for_selector(".is-present")
        auditor.check(page, "checkin-ticked", screenshot=False)
        # someone walks in
        page.fill("#walkin-name", "Une voisine")
        page.fill("#walkin-org", "Comité de quartier Exemple")
        page.click("button:has-text('Ajouter comme présent')")
        page.wait_for_selector("text=Une voisine est là")
        auditor.check(page, "checkin-walk-in", screenshot=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        context.close()
        chromium.close()
    record = service.assemblies.attendance(assembly_id)
    assert (record.people, record.organisations) == (2, 2)
    names = {g.name for g in record.by_organisation}
    assert names == {"Centre Exemple", "Comité de quartier Exemple"}
