"""The moderation page of the mailing lists in Chromium, over ``serve``: a non-member's
post is held with the reason, approved in the console, and ``serve``'s delivery worker
relays it to the members (the recording SMTP server receives it); axe-core finds
nothing on the page, empty or with a held post."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.models import PostStatus
from tests.lists.conftest import MEMBERS, OUTSIDER, add_members, list_file, post
from tests.support.served import EMAIL, ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ServedApp]:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement.yaml").write_text(list_file("new-senders"), encoding="utf-8")
    with ServedApp(tmp_path, smtp=True, lists_dir=lists) as served:
        add_members(served.ctx)
        served.add_coordinator()
        served.start()
        yield served


def test_a_held_post_is_approved_in_the_console_then_relayed(app: ServedApp) -> None:
    service = app.service
    assert app.smtp is not None
    smtp = app.smtp
    auditor = Auditor()
    with coordinator_page(app.base) as page:
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
