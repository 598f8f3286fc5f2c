"""Tried as a Dutch-speaking member would: the demo network's issue is sent; the e-mail
a Dutch-speaking member receives, its web version and the archive are in Dutch wherever
a Dutch version exists, and the item written only in French carries the note saying so.

The app runs as ``newsletter serve`` does on a free port; the e-mail comes from the
recording SMTP server; the pages open in Chromium (a browser set to French, as many are
in Brussels: the e-mail's link decides), axe-core checks them at 320 and 800 px, and
screenshots go to artifacts/screenshots/ (dutch-*.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

from newsletter.config import Settings
from newsletter.demo import load_demo
from tests.support.checks import text_body
from tests.support.served import ServedApp, new_context
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Auditor
from tests.web.smtp import Received

pytestmark = pytest.mark.timeout(300)

MEMBER = "onthaal@buurthuis-voorbeeld.example.org"  # Dutch-speaking, in the demo
NOTE = "Dit bericht is enkel in het Frans beschikbaar."
#: the demo's texts that have a Dutch version, in Dutch…
DUTCH = ["Nieuwsbrief van de coördinatie", "Veel leesplezier", "Repair Café op zaterdag",
         "Volgende algemene vergadering", "De toegang tot huisvesting"]  # fmt: skip
#: … and in French: none of these may reach the Dutch reader
FRENCH = ["Lettre d'information de la coordination", "Bonne lecture", "Repair café du samedi",
          "Prochaine assemblée générale", "L'accès au logement", "Se désinscrire"]  # fmt: skip
#: the one news item written in French only: shown in French, with the note
FRENCH_ONLY = "Permanence logement : nouvel horaire"


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Received]]:
    """The demo's issue sent to its members by a running server; the Dutch member's copy."""
    with ServedApp(tmp_path_factory.mktemp("dutch"), smtp=True) as app:
        assert load_demo(app.service)
        (row,) = app.service.console.issues()
        app.service.editorial.edit_issue(row.id, public=True)
        app.start()
        app.service.delivery.start_send(row.id, ["membres"])
        yield app.settings, app.mails_to(MEMBER, timeout=60.0)[0]


def test_the_dutch_member_reads_it_all_in_dutch(sent: tuple[Settings, Received]) -> None:
    settings, received = sent
    message = received.message
    assert message["Subject"] == "Nieuwsbrief van de coördinatie"
    html, text = text_body(message, "html"), text_body(message)
    for part in (html, text):
        for dutch in DUTCH:
            assert dutch in part, dutch
        for french in FRENCH:
            assert french.replace("'", "&#39;") not in part and french not in part, french
        assert FRENCH_ONLY in part and NOTE in part
    assert "Uitschrijven" in text or "uitschrijven" in text.lower()

    found = re.search(re.escape(settings.base_url) + r"/archive/\d+\?lang=nl", text)
    assert found, "no Dutch web version link in the e-mail"
    web_link = found.group(0)

    audit = Auditor()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width in (320, 800):
                # a browser set to French: the e-mail's link says Dutch
                context = new_context(
                    chromium, locale="fr-BE", viewport={"width": width, "height": 900}
                )
                page = context.new_page()
                page.goto(web_link)
                assert page.locator("html").get_attribute("lang") == "nl"
                frame = page.frame_locator("iframe").first
                body = frame.locator("body").inner_text(timeout=15000)
                for dutch in DUTCH[:4]:
                    assert dutch in body, dutch
                assert FRENCH_ONLY in body and NOTE in body
                for french in FRENCH[:5]:
                    assert french not in body, french
                # the web version does not offer itself in the browser again
                assert "in uw browser bekijken" not in body
                # the frame is as tall as the issue: the page scrolls, not a box in it
                page.wait_for_function(
                    "() => { const f = document.querySelector('iframe');"
                    " const d = f.contentDocument;"
                    " return d && d.readyState === 'complete'"
                    " && d.documentElement.scrollHeight <= f.clientHeight + 1; }",
                    timeout=15000,
                )
                audit.check(page, f"dutch-web-version-{width}")
                page.screenshot(
                    path=str(SCREENSHOTS / f"dutch-web-version-{width}.png"), full_page=True
                )

                # the issue alone, as the frame shows it
                frame_url = page.locator("iframe").first.get_attribute("src")
                assert frame_url and "lang=nl" in frame_url
                page.goto(settings.base_url + frame_url)
                assert page.locator("html").get_attribute("lang") == "nl"
                audit.check(page, f"dutch-issue-{width}")
                page.screenshot(path=str(SCREENSHOTS / f"dutch-issue-{width}.png"), full_page=True)

                # the archive, opened next in the same browser: in Dutch too
                page.goto(settings.base_url + "/archive")
                assert page.locator("html").get_attribute("lang") == "nl"
                listing = page.locator("main").inner_text()
                assert "Nieuwsbrief van de coördinatie" in listing
                assert "Lettre d'information de la coordination" not in listing
                audit.check(page, f"dutch-archive-{width}")
                page.screenshot(
                    path=str(SCREENSHOTS / f"dutch-archive-{width}.png"), full_page=True
                )
                context.close()
        finally:
            chromium.close()
    assert len(audit.checked) == 6
