"""The composer in Chromium with JavaScript off: the buttons of the AG card, of the blocks
and of an annex's audience send the whole composer form, so the introduction typed before
them is kept (and each acts on its own AG, block or annex)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from newsletter.service import Service
from tests.content.sample import PDF
from tests.support.served import ServedApp, coordinator_page

pytestmark = pytest.mark.timeout(300)
Served = tuple[Service, str, int, int, int]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """(service, base URL, issue, past AG with a PV, coming AG)."""
    with ServedApp(tmp_path_factory.mktemp("nojs")) as app:
        service = app.service
        app.add_coordinator()
        item = service.editorial.submit_news(title="Repair café", body="Texte.")
        service.moderation.moderate(item.id, "approve", by="test")
        now = datetime.now(UTC)
        past = service.editorial.create_assembly(
            title="AG d'automne", starts_at=now - timedelta(days=60), place="Salle"
        )
        service.editorial.attach_minutes(past.id, "PV automne.pdf", PDF)
        coming = service.editorial.create_assembly(
            title="AG d'hiver", starts_at=now + timedelta(days=20), place="Salle"
        )
        issue = service.editorial.draft_issue(title="Lettre d'hiver")
        app.start()
        yield service, app.base, issue.id, past.id, coming.id


@pytest.fixture(scope="module")
def page(served: Served) -> Iterator[Page]:
    with coordinator_page(served[1], javascript=False) as tab:
        yield tab


def _type_introduction(page: Page, issue_id: int, words: str) -> None:
    page.goto(f"/console/issues/{issue_id}")
    page.fill("#introduction", words)


def test_blocks_ags_and_annexes_keep_the_typed_introduction(page: Page, served: Served) -> None:
    service, _base, issue_id, past, coming = served

    def introduction() -> str:
        return service.console.issue_detail(issue_id).introduction

    _type_introduction(page, issue_id, "Avant le bloc.")
    page.click("#add-text-block summary")
    page.fill("#new-text-body-fr", "Le mot de la coordination.")
    page.click("#add-text-block button[type=submit]")
    page.wait_for_selector("text=Bloc ajouté.")
    assert introduction() == "Avant le bloc."
    (block,) = service.issue_content.content(issue_id).blocks
    assert block.texts["fr"]["body"] == "Le mot de la coordination."

    _type_introduction(page, issue_id, "Avant le PV.")
    page.select_option(f"#minutes-{coming}", str(past))
    page.click(f"button[formaction$='/assemblies/{coming}'][value=minutes]")
    page.wait_for_selector("text=Le PV envoyé avec l")
    assert introduction() == "Avant le PV."
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}

    annex = service.editorial.get_issue(issue_id).annex_ids[0]
    _type_introduction(page, issue_id, "Avant le public de l'annexe.")
    page.select_option(f"#annex-audience-{annex}", "effectif")
    page.click(f"button[formaction$='/annexes/{annex}/audience']")
    page.wait_for_selector(".flash")
    assert introduction() == "Avant le public de l'annexe."
    assert service.issue_content.content(issue_id).annex_audiences[annex] == "effectif"

    _type_introduction(page, issue_id, "Avant le retrait de l'AG.")
    page.click(f"button[formaction$='/assemblies/{coming}'][value=remove]")
    page.wait_for_selector("text=Assemblée retirée du numéro.")
    assert introduction() == "Avant le retrait de l'AG."
    assert service.editorial.get_issue(issue_id).assemblies == []
