"""The composer in Chromium: add a text block of one's own and take an AG out of the issue
(typed introduction kept: their buttons belong to the composer form, saved first);
axe-core finds nothing on the composer with its AG and block cards open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from newsletter.service import Service
from tests.content.sample import PDF
from tests.support.served import ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str, int]]:
    with ServedApp(tmp_path_factory.mktemp("blocks")) as app:
        service = app.service
        app.add_coordinator()
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
        app.start()
        yield service, app.base, issue.id


@pytest.fixture(scope="module")
def page(served: tuple[Service, str, int]) -> Iterator[Page]:
    with coordinator_page(served[1]) as tab:
        yield tab


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
