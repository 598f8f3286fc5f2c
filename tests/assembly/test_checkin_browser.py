"""The check-in page on a phone (375 px wide) in Chromium, checked with axe-core: search
an organisation, tick a person present, add someone walking in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ViewportSize

from newsletter.models import RsvpChoice
from newsletter.service import Service
from tests.assembly.conftest import DIRECTORY
from tests.support.served import ServedApp, chromium, log_in, new_context
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Service, str, int]]:
    with ServedApp(tmp_path) as app:
        service = app.service
        service.audience.import_members(DIRECTORY.encode(), "annuaire.csv")
        app.add_coordinator()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        assembly_id = service.editorial.create_assembly(
            title="AG de printemps", starts_at=start, place="Salle Exemple, Bruxelles"
        ).id
        service.rsvp.answer_for(assembly_id, "accueil@maison.example.org", RsvpChoice.yes, people=2)
        app.start()
        yield service, app.base, assembly_id


def test_check_in_on_a_phone(served: tuple[Service, str, int]) -> None:
    service, base, assembly_id = served
    auditor = Auditor()
    with chromium() as browser:
        phone: ViewportSize = {"width": 375, "height": 740}
        context = new_context(
            browser, locale="fr-BE", base_url=base, is_mobile=True, has_touch=True, viewport=phone
        )
        page = log_in(context.new_page())
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
    record = service.assemblies.attendance(assembly_id)
    assert (record.people, record.organisations) == (2, 2)
    names = {g.name for g in record.by_organisation}
    assert names == {"Centre Exemple", "Comité de quartier Exemple"}
