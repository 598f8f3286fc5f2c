"""The rendered e-mail in a real Chromium: no sideways scrolling at 320 px, images-off reading."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.render import prepare_issue, sample_personalization
from newsletter.render.preview import preview
from tests.content.sample import build_sample

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def test_issue_reads_at_320_and_800_pixels(tmp_path: Path) -> None:
    # rendering does not depend on the database backend: one SQLite run is enough
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SecretStr("browser-test-secret-key"),
        templates_dir=ROOT / "templates",
        base_url="https://news.example.org",
    )
    ctx = open_context(settings)
    with ctx.db.session() as session:
        issue_id = build_sample(session, settings)
        prepared = prepare_issue(session, settings, issue_id)
    ctx.close()
    page_file = tmp_path / "issue.html"
    variant = prepared.variant("fr", "effectif")
    page_file.write_text(preview(variant, sample_personalization(settings, issue_id, "fr")).html)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            for width in (320, 800):
                page = browser.new_page(viewport={"width": width, "height": 800})
                # images off: nothing is fetched, every image shows its text alternative
                page.route(
                    "**/*",
                    lambda route: (
                        route.abort() if route.request.url.startswith("http") else route.continue_()
                    ),
                )
                page.goto(page_file.as_uri())
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                assert page.evaluate("document.documentElement.lang") == "fr"
                alts = page.evaluate("[...document.images].map(i => i.alt)")
                assert alts and all(alt.strip() for alt in alts)
                container = page.evaluate(
                    "document.querySelector('.container').getBoundingClientRect().width"
                )
                assert container <= width and (width < 600 or container == 600)
                text = page.inner_text("body")
                assert "Assemblée générale de décembre" in text and "Se désinscrire" in text
                font = page.evaluate(
                    "parseFloat(getComputedStyle(document.querySelector('.item-body p')).fontSize)"
                )
                assert font >= 16
                page.close()
        finally:
            browser.close()


def test_each_language_and_the_bilingual_edition_pass_axe(tmp_path: Path) -> None:
    """The French, the Dutch and the bilingual e-mails: WCAG 2.1 A/AA (axe-core), no
    sideways scrolling at 320 px; the bilingual edition side by side at 800 px and one
    edition after the other at 320 px."""
    from newsletter.store.editorial import Issue
    from tests.web.browser import Auditor

    settings = Settings(
        data_dir=tmp_path,
        secret_key=SecretStr("browser-test-secret-key"),
        templates_dir=ROOT / "templates",
        base_url="https://news.example.org",
    )
    ctx = open_context(settings)
    pages: dict[str, Path] = {}
    with ctx.db.session() as session:
        issue_id = build_sample(session, settings)
        for lang in ("fr", "nl"):
            variant = prepare_issue(session, settings, issue_id).variant(lang, "adherent")
            pages[lang] = tmp_path / f"issue-{lang}.html"
            pages[lang].write_text(
                preview(variant, sample_personalization(settings, issue_id, lang)).html
            )
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.bilingual = True
        session.flush()
        variant = prepare_issue(session, settings, issue_id).variant("nl", "adherent")
        pages["bilingual"] = tmp_path / "issue-bilingual.html"
        pages["bilingual"].write_text(
            preview(variant, sample_personalization(settings, issue_id, "nl")).html
        )
    ctx.close()
    auditor = Auditor()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            for name, page_file in pages.items():
                for width in (320, 800):
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.goto(page_file.as_uri())
                    assert page.evaluate("document.documentElement.scrollWidth") <= width
                    auditor.check(page, f"issue-{name}-{width}", screenshot=name == "bilingual")
                    if name == "bilingual":
                        tops = page.evaluate(
                            "[...document.querySelectorAll('td.edition')]"
                            ".map(e => e.getBoundingClientRect().top)"
                        )
                        assert len(tops) == 2
                        # side by side on a wide screen, one under the other on a phone
                        assert (tops[0] == tops[1]) == (width == 800)
                    page.close()
        finally:
            browser.close()
    assert len(auditor.checked) == 6
