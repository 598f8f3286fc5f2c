"""The moderation page of the mailing lists in Chromium, over ``serve``: a non-member's
post is held with the reason, approved in the console, and ``serve``'s delivery worker
relays it to the members (the recording SMTP server receives it); axe-core finds
nothing on the page, empty or with a held post."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from pydantic import SecretStr

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.models import PostStatus
from newsletter.service import Service
from tests.lists.conftest import MEMBERS, OUTSIDER, add_members, list_file, post
from tests.support.ports import free_port
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Auditor, ServerThread
from tests.web.smtp import SmtpServer

pytestmark = pytest.mark.timeout(300)
EMAIL, PASSWORD = "coordination@example.org", "mot-de-passe-de-test"


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[Service, SmtpServer, str]]:
    port = free_port()
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement.yaml").write_text(list_file("new-senders"), encoding="utf-8")
    with SmtpServer() as smtp:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'web.db'}",
            secret_key=SecretStr("lists-test-secret-key"), lists_dir=lists,
            templates_dir=ROOT / "templates", base_url=f"http://127.0.0.1:{port}",
            from_address="Coordination sociale <news@example.org>",
            bounce_address="bounces@example.org", smtp_host="127.0.0.1",
            smtp_port=smtp.port, smtp_security="none",
        )  # fmt: skip
        ctx = open_context(settings)
        service = Service(ctx)
        add_members(ctx)
        service.accounts.create(EMAIL, PASSWORD, name="Coordination")
        server = ServerThread(settings, "127.0.0.1", port)
        server.start()
        try:
            yield service, smtp, settings.base_url
        finally:
            server.stop()
            ctx.close()


def test_a_held_post_is_approved_in_the_console_then_relayed(
    serving: tuple[Service, SmtpServer, str],
) -> None:
    service, smtp, base = serving
    auditor = Auditor()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)  # fmt: skip
        page = chromium.new_context(locale="fr-BE", base_url=base).new_page()
        page.goto("/console/login")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_selector("h1:has-text('Tableau de bord')")
        page.click("nav.mainnav >> text=Messages des listes")
        page.wait_for_selector("h1:has-text('Messages des listes de diffusion')")
        assert "Aucun message n'attend" in page.content()
        auditor.check(page, "list-posts-empty")

        service.intake.ingest_bytes(post(OUTSIDER, "Appel à projets <logement>"))
        page.reload()
        card = page.locator("section.card", has_text="Appel à projets <logement>")
        assert "n'est pas membre de la liste" in card.inner_text()
        auditor.check(page, "list-posts-held")
        card.locator("button[value=trust]").click()
        page.wait_for_selector("text=Message approuvé")
        chromium.close()

    got = smtp.recorder.wait_for(len(MEMBERS) + 1, timeout=60)
    # the poster was told the post is held (an automatic reply), and got no copy
    told = [m for m in got if OUTSIDER in m.recipients]
    assert len(told) == 1 and told[0].message["Auto-Submitted"] is not None
    relayed_copies = [m for m in got if OUTSIDER not in m.recipients]
    assert sorted(r for m in relayed_copies for r in m.recipients) == sorted(MEMBERS)
    for received in relayed_copies:
        assert received.message["Subject"] == "[GT Logement] Appel à projets <logement>"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not service.lists.posts(status=PostStatus.relayed):
        time.sleep(0.2)
    [relayed] = service.lists.posts(status=PostStatus.relayed)
    assert relayed.decided_by == EMAIL
    # trusted from now on: the next post of the same sender goes out without waiting
    service.intake.ingest_bytes(post(OUTSIDER, "Suite"))
    # approved at once; serve's worker may already be relaying it
    going = (PostStatus.approved, PostStatus.relaying, PostStatus.relayed)
    assert service.lists.posts("logement")[0].status in going
