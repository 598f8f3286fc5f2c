"""In Chromium: a member opens the list's archive from their preferences link, reads a
conversation and searches it, in French and Dutch, at 320 and 800 pixels; axe-core
checks every page; a visitor sees the members-only page."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from newsletter import links
from tests.lists.archive_data import LIST, add_people, add_thread

# the served app, Chromium and the accessibility auditor of the main browser test
from tests.web.browser import Auditor
from tests.web.test_browser import (  # noqa: F401
    Env,
    auditor,
    browser,
    env,
    playwright,
    visitor,
)

WIDTHS = (320, 800)


def _check_widths(page: Page, audit: Auditor, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        audit.check(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width} px"


def test_archive_pages(browser: Browser, env: Env, auditor: Auditor) -> None:  # noqa: F811
    people = add_people(env.service)
    posts = add_thread(env.service)
    stranger = visitor(browser, env)
    stranger.goto(f"/lists/{LIST}/archive")
    assert "réservées aux membres" in stranger.inner_text("main")
    _check_widths(stranger, auditor, "list-archive-closed")
    stranger.context.close()

    page = visitor(browser, env)
    prefs = links.preferences_url(env.settings, people.alice).removeprefix(env.base)
    page.goto(prefs)
    auditor.check(page, "preferences-with-digest")
    page.click(f"a[href='/lists/{LIST}/archive']")
    assert page.locator("h1").inner_text() == "Archives de GT Logement"
    assert "4 conversations" in page.inner_text("main")
    _check_widths(page, auditor, "list-archive")

    page.click("a:has-text('Réunion du 3 mars')")
    assert "la réunion du GT aura lieu au CPAS" in page.inner_text("article")
    assert page.locator("article script").count() == 0
    assert "<script>alert(1)</script>" in page.inner_text("article")  # shown as text
    assert page.locator("[aria-current=page]").count() == 1
    _check_widths(page, auditor, "list-post")
    page.click("nav a:has-text('Bob Peeters')")
    assert "Wij komen graag." in page.inner_text("article")

    page.goto(f"/lists/{LIST}/archive/{posts['html']}")
    assert page.locator("article img, article script, article [onclick]").count() == 0
    _check_widths(page, auditor, "list-post-html")

    page.goto(f"/lists/{LIST}/archive")
    page.fill("#q", "procès verbal")
    page.click("form[role=search] button")
    assert "1 message trouvé" in page.inner_text("main")
    _check_widths(page, auditor, "list-archive-search")
    page.context.close()

    dutch = visitor(browser, env, locale="nl-BE")
    dutch.goto(links.preferences_url(env.settings, people.bob).removeprefix(env.base))
    dutch.goto(f"/lists/{LIST}/archive")
    assert dutch.locator("h1").inner_text() == "Archief van WG Huisvesting"
    assert dutch.locator("html").get_attribute("lang") == "nl"
    _check_widths(dutch, auditor, "list-archive-nl")
    dutch.goto(f"/lists/{LIST}/archive/{posts['reply']}")
    _check_widths(dutch, auditor, "list-post-nl")
    dutch.context.close()
