"""The composer in Chromium: add a text block of one's own and take an AG out of the issue
(typed introduction kept: their buttons belong to the composer form, saved first);
axe-core finds nothing on the composer with its AG and block cards open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service
from tests.content.sample import PDF
from tests.support.ports import free_port
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Auditor, ServerThread

pytestmark = pytest.mark.timeout(300)
EMAIL, PASSWORD = "coordination@example.org", "mot-de-passe-de-test"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str, int]]:
    folder: Path = tmp_path_factory.mktemp("blocks")
    port = free_port()
    settings = Settings(
        data_dir=folder / "data", database_url=f"sqlite:///{folder / 'web.db'}",
        secret_key=SecretStr("blocks-test-secret-key"), lists_dir=ROOT / "lists",
        templates_dir=ROOT / "templates", base_url=f"http://127.0.0.1:{port}",
    )  # fmt: skip
    ctx = open_context(settings)
    service = Service(ctx)
    service.accounts.create(EMAIL, PASSWORD, name="Coordination")
    item = service.editorial.submit_news(title="Repair café", body="Texte.")
    service.moderation.moderate(item.id, "approve", by="test")
    now = datetime.now(UTC)
    past = service.editorial.create_assembly(
        title="AG d'automne", starts_at=now - timedelta(days=60), place="Salle"
    )
    service.editorial.attach_minutes(past.id, "PV automne.pdf", PDF)
    service.editorial.create_assembly(
        title="AG d'hiver", starts_at=now + timedelta(days=20), place="Salle"
    )
    issue = service.editorial.draft_issue(title="Lettre d'hiver")
    server = ServerThread(settings, "127.0.0.1", port)
    server.start()
    try:
        yield service, settings.base_url, issue.id
    finally:
        server.stop()
        ctx.close()


@pytest.fixture(scope="module")
def page(served: tuple[Service, str, int]) -> Iterator[Page]:
    with sync_playwright() as playwright:
        chromium: Browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = chromium.new_context(locale="fr-BE", base_url=served[1],
                                       viewport={"width": 1280, "height": 900})  # fmt: skip
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        tab.goto("/console/login")
        tab.fill("#email", EMAIL)
        tab.fill("#password", PASSWORD)
        tab.click("button[type=submit].primary")
        tab.wait_for_selector("h1:has-text('Tableau de bord')")
        yield tab
        chromium.close()


def test_add_a_text_block_and_remove_an_ag(page: Page, served: tuple[Service, str, int]) -> None:
    service, _base, issue_id = served
    summary = service.editorial.get_issue(issue_id)
    assert len(summary.assemblies) == 1 and summary.annexes == ["PV automne.pdf"]
    page.goto(f"/console/issues/{issue_id}")
    page.fill("#introduction", "Une introduction tapée sans enregistrer.")
    page.click("#add-text-block summary")
    page.fill("#new-text-body-fr", "Le mot de la **coordination**.")
    page.fill("#new-text-body-nl", "Het woord van de **coördinatie**.")
    page.select_option("#new-text-audience", "members")
    page.click("#add-text-block button[type=submit]")
    page.wait_for_selector("text=Bloc ajouté.")
    content = service.issue_content.content(issue_id)
    assert [b.kind for b in content.blocks] == ["text"]
    assert content.blocks[0].audience == "members"
    assert content.blocks[0].texts["nl"]["body"] == "Het woord van de **coördinatie**."
    assert "Une introduction tapée" in service.console.issue_detail(issue_id).introduction
    frame = page.frame_locator("#preview-frame")
    frame.locator("strong:has-text('coordination')").wait_for()  # a member's preview

    page.click("#assemblies button[name=action][value=remove]")
    page.wait_for_selector("text=Assemblée retirée du numéro.")
    summary = service.editorial.get_issue(issue_id)
    assert summary.assemblies == [] and summary.annexes == []
    assert "Aucune assemblée dans ce numéro." in page.content()

    # the AG back, by its button; the page with everything open passes axe
    page.select_option(
        "#add-assembly", label=page.locator("#add-assembly option").first.inner_text()
    )
    page.click("#assemblies button[value=add]")
    page.wait_for_selector("text=Assemblée ajoutée au numéro.")
    assert len(service.editorial.get_issue(issue_id).assemblies) == 1
    for summary_el in page.locator("details.add-block > summary").all():
        summary_el.click()
    Auditor().check(page, "composer-blocks", screenshot=False)
