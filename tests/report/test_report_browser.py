"""The delivery report and the bounce overview in Chromium, checked by axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page

from newsletter.links import click_url
from newsletter.store.audience import Organisation
from tests.report.test_delivery_report import _sent_issue
from tests.support.served import ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[Page, int]]:
    with ServedApp(tmp_path, click_counting=True) as app:
        issue_id, _people = _sent_issue(app.service)
        # a link of the issue followed twice, and an organisation that left the network
        counted = click_url(app.settings, issue_id, "https://example.org/agenda?x=1&y=2")
        for _click in range(2):
            app.service.clicks.follow(counted.rsplit("/", 1)[1])
        with app.ctx.db.session() as session:
            session.add(Organisation(name="ASBL Partie", name_key="asbl partie"))
        app.add_coordinator()
        app.start()
        with coordinator_page(app.base) as tab:
            yield tab, issue_id


def test_report_and_bounce_pages_pass_axe(page: tuple[Page, int]) -> None:
    tab, issue_id = page
    auditor = Auditor()
    tab.goto(f"/console/issues/{issue_id}/report?status=problems")
    assert "Adresse inconnue" in tab.inner_text("main")
    tab.click("summary >> nth=0")  # the raw reply, one click away
    assert "550 5.1.1" in tab.inner_text("details[open]")
    auditor.check(tab, "delivery-report")
    tab.select_option("#reason", "spam")
    tab.click("form[role=search] button[type=submit]")
    tab.wait_for_url("**reason=spam**")
    assert "person2@example.org" in tab.inner_text("tbody")
    assert "person1@example.org" not in tab.inner_text("tbody")
    auditor.check(tab, "delivery-report-filtered", screenshot=False)
    tab.goto(f"/console/issues/{issue_id}/sending")
    auditor.check(tab, "sending-with-failures", screenshot=False)
    tab.click("nav.mainnav >> text=Adresses en erreur")
    assert "person0@example.org" in tab.inner_text("main")
    auditor.check(tab, "bounces")
    tab.fill("[name=reason] >> nth=0", "adresse vérifiée par téléphone")
    tab.click("button:has-text('Réactiver') >> nth=0")
    tab.wait_for_selector("text=L'adresse est à nouveau active.")
    auditor.check(tab, "bounces-after-reactivation", screenshot=False)
    tab.click("nav.mainnav >> text=Rapport d'activités")
    tab.wait_for_selector("h1:has-text('Rapport d')")
    auditor.check(tab, "activity-report")

    # the counts of the links, the privacy notice, a refused link, a departed organisation
    tab.goto(f"/console/issues/{issue_id}/report")
    assert "https://example.org/agenda?x=1&y=2" in tab.inner_text("#clicks ~ .table-wrap")
    auditor.check(tab, "delivery-report-clicks", screenshot=False)
    tab.goto("/privacy")
    assert "Rien n'est enregistré sur qui" in tab.inner_text("main")
    auditor.check(tab, "privacy-notice")
    tab.goto("/lang/nl?next=/privacy")
    assert "Er wordt niets bijgehouden" in tab.inner_text("main")
    auditor.check(tab, "privacy-notice-nl", screenshot=False)
    tab.goto("/lang/fr?next=/privacy")
    answer = tab.goto("/r/not-a-signed-link")
    assert answer is not None and answer.status == 400
    assert "Ce lien n'est pas valide" in tab.inner_text("main")
    auditor.check(tab, "link-not-valid", screenshot=False)
    tab.goto("/console/members/organisations")
    tab.click("text=ASBL Partie")
    auditor.check(tab, "organisation-member", screenshot=False)
    today = date.today().isoformat()
    tab.fill("#departure-day", today)
    tab.click("button:has-text('Elle a quitté le réseau')")
    tab.wait_for_selector("text=Son départ est enregistré.")
    assert f"a quitté le réseau le {today}" in tab.inner_text("main")
    auditor.check(tab, "organisation-departed", screenshot=False)
