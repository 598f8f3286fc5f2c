"""The delivery report and the bounce overview in Chromium, checked by axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service
from tests.report.test_delivery_report import _sent_issue
from tests.support.ports import free_port
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Auditor, ServerThread

pytestmark = pytest.mark.timeout(300)
EMAIL, PASSWORD = "coordination@example.org", "mot-de-passe-de-test"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[tuple[Page, int]]:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'web.db'}",
        secret_key=SecretStr("browser-test-secret-key"), lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates", base_url=f"http://127.0.0.1:{port}",
        from_address="Coordination sociale <news@example.org>",
    )  # fmt: skip
    ctx = open_context(settings)
    service = Service(ctx)
    issue_id, _people = _sent_issue(service)
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    server = ServerThread(settings, "127.0.0.1", port)
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="fr-BE", base_url=settings.base_url)
            tab = context.new_page()
            tab.on("dialog", lambda dialog: dialog.accept())
            tab.goto("/console/login")
            tab.fill("#email", EMAIL)
            tab.fill("#password", PASSWORD)
            tab.click("button[type=submit].primary")
            tab.wait_for_selector("nav.mainnav")
            yield tab, issue_id
            browser.close()
    finally:
        server.stop()
        ctx.close()


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
