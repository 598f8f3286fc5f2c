"""The blocks and the PV choices of the composer in Chromium, with JavaScript and without:
typed into a block, then another button (add an annex, move an item, add a block) before
any save — nothing is lost; a block refused keeps every value typed, its error next to it;
autosave covers the blocks, leaving asks first; axe-core finds nothing on the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page

from newsletter.service import Service
from tests.content.sample import PDF
from tests.support.served import ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)
Served = tuple[Service, str]
#: "js" or "nojs", by page
MODES: dict[int, str] = {}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with ServedApp(tmp_path_factory.mktemp("composer-blocks")) as app:
        service = app.service
        app.add_coordinator()
        now = datetime.now(UTC)
        past = service.editorial.create_assembly(
            title="AG d'automne", starts_at=now - timedelta(days=60), place="Salle"
        )
        service.editorial.attach_minutes(past.id, "PV automne.pdf", PDF)
        service.editorial.create_assembly(
            title="AG d'hiver", starts_at=now + timedelta(days=20), place="Salle"
        )
        app.start()
        yield service, app.base


@pytest.fixture(scope="module", params=[True, False], ids=["js", "nojs"])
def page(request: pytest.FixtureRequest, served: Served) -> Iterator[Page]:
    with coordinator_page(served[1], javascript=request.param) as tab:
        MODES[id(tab)] = "js" if request.param else "nojs"
        yield tab


def _issue(service: Service) -> tuple[int, int, int, int]:
    """A new draft with two news, the coming AG, a text block and a button block:
    (issue, coming AG, text block, button block)."""
    for title in ("Repair café", "Permanence logement"):
        item = service.editorial.submit_news(title=title, body="Texte.")
        service.moderation.moderate(item.id, "approve", by="test")
    issue_id = service.editorial.draft_issue(title="Lettre d'hiver").id
    coming = service.editorial.get_issue(issue_id).assemblies[0]
    content = service.issue_content
    text = content.add_block(issue_id, "text", texts={"fr": {"body": "Mot d'origine."}})
    button = content.add_block(issue_id, "button", texts={"fr": {"label": "Lire"}},
                               url="https://example.org/")  # fmt: skip
    return issue_id, coming, text, button


def _past(service: Service, issue_id: int) -> int:
    """The AG with a PV."""
    return service.issue_content.content(issue_id).with_minutes[0].id


def _block(service: Service, issue_id: int, block_id: int) -> dict[str, Any]:
    row = next(b for b in service.issue_content.content(issue_id).blocks if b.id == block_id)
    return {"fr": row.texts["fr"], "nl": row.texts["nl"], "url": row.url, "place": row.place}


def test_no_button_drops_a_block_edit_or_a_pv_choice(page: Page, served: Served) -> None:
    service = served[0]
    issue_id, coming, text, button = _issue(service)
    past = _past(service, issue_id)
    page.goto(f"/console/issues/{issue_id}")
    # typed into two blocks and a PV chosen, then an annex added at once
    page.fill(f"#block-{text}-body-fr", "Le mot de la coordination.")
    page.fill(f"#block-{button}-label-nl", "Naar de agenda")
    page.select_option(f"#minutes-{coming}", str(past))
    annex: FilePayload = {"name": "programme.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#annex-file", files=[annex])
    with page.expect_navigation():
        page.click("button[formaction$='/annexes']")
    page.wait_for_selector("text=programme.pdf")
    assert page.input_value(f"#block-{text}-body-fr") == "Le mot de la coordination."
    assert page.input_value(f"#block-{button}-label-nl") == "Naar de agenda"
    assert page.input_value(f"#minutes-{coming}") == str(past)
    assert _block(service, issue_id, text)["fr"] == {
        "body": "Le mot de la coordination.", "label": "", "image_alt": ""}  # fmt: skip
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}
    # typed again, then an item moved
    page.fill(f"#block-{text}-body-nl", "Het woord van de coördinatie.")
    page.fill(f"#block-{button}-url", "https://example.org/agenda")
    with page.expect_navigation():
        page.click("button[aria-label^='Descendre']")
    assert page.input_value(f"#block-{text}-body-nl") == "Het woord van de coördinatie."
    assert page.input_value(f"#block-{button}-url") == "https://example.org/agenda"
    assert _block(service, issue_id, button)["url"] == "https://example.org/agenda"
    # typed again, then a new block added
    page.fill(f"#block-{button}-label-fr", "Voir l'agenda")
    page.select_option(f"#block-{text}-place", "end")
    page.click("#add-text-block summary")
    page.fill("#new-text-body-fr", "Un deuxième mot.")
    with page.expect_navigation():
        page.click("#add-text-block button[type=submit]")
    page.wait_for_selector("text=Bloc ajouté.")
    assert page.input_value(f"#block-{button}-label-fr") == "Voir l'agenda"
    assert page.input_value(f"#block-{text}-place") == "end"
    stored = _block(service, issue_id, button)
    assert (stored["fr"], stored["nl"]) == (
        {"body": "", "label": "Voir l'agenda", "image_alt": ""},
        {"body": "", "label": "Naar de agenda", "image_alt": ""},
    )
    assert _block(service, issue_id, text)["place"] == "end"
    assert len(service.issue_content.content(issue_id).blocks) == 3
    if MODES[id(page)] == "js":  # axe-core runs in the page: the same page, scripts on
        Auditor().check(page, "composer-blocks", screenshot=False)


def test_a_block_refused_keeps_every_typed_value(page: Page, served: Served) -> None:
    service = served[0]
    issue_id, _coming, text, button = _issue(service)
    first = service.console.issue_detail(issue_id).entries[0].news_id
    page.goto(f"/console/issues/{issue_id}")
    page.fill("#introduction", "Une introduction tapée.")
    page.fill(f"#block-{text}-body-fr", "Le texte tapé.")
    page.fill(f"#block-{button}-label-nl", "Hierheen")
    page.fill(f"#block-{button}-url", "javascript:alert(1)")
    with page.expect_navigation():
        page.click("button[aria-label^='Descendre']")
    error = page.locator(f"#block-{button}-error")
    assert error.is_visible() and "http://" in error.inner_text()
    # with JavaScript the address is the composer's again (a reload opens the composer);
    # without, the refused page stays at the action's address, as typed all the same
    address = f"/console/issues/{issue_id}" if MODES[id(page)] == "js" else "/items"
    assert page.url.endswith(address), page.url
    assert page.locator(f"#block-{text}-error").is_hidden()
    assert page.input_value("#introduction") == "Une introduction tapée."
    assert page.input_value(f"#block-{text}-body-fr") == "Le texte tapé."
    assert page.input_value(f"#block-{button}-label-nl") == "Hierheen"
    assert page.input_value(f"#block-{button}-url") == "javascript:alert(1)"
    # nothing was done, the refused block kept as stored, the rest saved
    assert service.console.issue_detail(issue_id).entries[0].news_id == first
    assert _block(service, issue_id, button)["url"] == "https://example.org/"
    assert _block(service, issue_id, text)["fr"]["body"] == "Le texte tapé."
    if MODES[id(page)] == "js":
        Auditor().check(page, "composer-block-refused", screenshot=False)
    if MODES[id(page)] == "js":  # a reload there opens the composer, not the action
        page.reload()
        assert page.url.endswith(f"/console/issues/{issue_id}")
        assert page.locator("#composer-errors").count() == 0
        assert page.input_value(f"#block-{text}-body-fr") == "Le texte tapé."  # it was saved
    # corrected, the same button does its work
    page.fill(f"#block-{button}-url", "https://example.org/ici")
    with page.expect_navigation():
        page.click("button[aria-label^='Descendre']")
    assert page.locator(f"#block-{button}-error").is_hidden()
    assert _block(service, issue_id, button)["url"] == "https://example.org/ici"
    assert service.console.issue_detail(issue_id).entries[1].news_id == first


def test_block_fields_and_pv_save_as_typed(page: Page, served: Served) -> None:
    """With JavaScript the autosave ("Enregistré", each error next to its block, a
    question before leaving); without, the composer's one save button."""
    service = served[0]
    issue_id, coming, text, button = _issue(service)
    past = _past(service, issue_id)
    page.goto(f"/console/issues/{issue_id}")
    scripted = MODES[id(page)] == "js"
    if scripted:  # typed, not yet saved: leaving the page asks first
        asks = page.evaluate(
            """(id) => {
                const field = document.getElementById(id);
                field.value = "Pas encore enregistré.";
                field.dispatchEvent(new Event("input", {bubbles: true}));
                return !window.dispatchEvent(new Event("beforeunload", {cancelable: true}));
            }""",
            f"block-{text}-body-nl",
        )
        assert asks is True
    page.fill(f"#block-{text}-body-nl", "Het getypte woord.")
    page.fill(f"#block-{button}-label-fr", "Par ici")
    page.select_option(f"#minutes-{coming}", str(past))
    if scripted:
        page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
        assert page.inner_text("#save-state") == "Enregistré"
    else:
        with page.expect_navigation():
            page.click("#texts-form button.primary")
    assert _block(service, issue_id, text)["nl"]["body"] == "Het getypte woord."
    assert _block(service, issue_id, button)["fr"]["label"] == "Par ici"
    chosen = {ag.id: ag.minutes_from for ag in service.issue_content.content(issue_id).assemblies}
    assert chosen == {coming: past}
    # a block left without its words: refused, said next to it, the other block saved
    page.fill(f"#block-{text}-body-fr", "")
    page.fill(f"#block-{text}-body-nl", "")
    page.fill(f"#block-{button}-label-nl", "Hierheen")
    if scripted:
        page.wait_for_selector("#save-state[data-state=failed]", timeout=15000)
    else:
        with page.expect_navigation():
            page.click("#texts-form button.primary")
    page.wait_for_selector(f"#block-{text}-error:not([hidden])", timeout=15000)
    assert "texte" in page.inner_text(f"#block-{text}-error")
    assert page.input_value(f"#block-{text}-body-fr") == ""
    assert page.input_value(f"#block-{button}-label-nl") == "Hierheen"
    assert _block(service, issue_id, text)["nl"]["body"] == "Het getypte woord."
    assert _block(service, issue_id, button)["nl"]["label"] == "Hierheen"
    # corrected: saved, the error gone
    page.fill(f"#block-{text}-body-fr", "Le mot.")
    if scripted:
        page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    else:
        with page.expect_navigation():
            page.click("#texts-form button.primary")
    page.wait_for_selector(f"#block-{text}-error[hidden]", state="attached", timeout=15000)
    assert _block(service, issue_id, text)["fr"]["body"] == "Le mot."
    if scripted:  # a new block's words are not saved until its button: leaving asks
        page.click("#add-button-block summary")
        page.fill("#new-button-label-fr", "Pas encore ajouté")
        page.fill(f"#block-{text}-body-nl", "Encore un mot.")
        for _ in range(150):  # the autosave of the block goes through meanwhile
            if _block(service, issue_id, text)["nl"]["body"] == "Encore un mot.":
                break
            page.wait_for_timeout(100)
        assert _block(service, issue_id, text)["nl"]["body"] == "Encore un mot."
        page.wait_for_selector("#save-state[data-state=unsaved]", timeout=15000)
        asks = page.evaluate(
            "() => !window.dispatchEvent(new Event('beforeunload', {cancelable: true}))"
        )
        assert asks is True
