"""The delivery report of a list post in Chromium, over ``serve`` while its delivery
worker relays the post (slowly: SEND_RATE 1 per second, 119 members): the report says ``relaying``
with what is still to go, the coordinator pauses, resumes and cancels the relay from the
page, and axe-core finds nothing on the report in each state nor on the posts page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page

from newsletter.context import Context
from newsletter.models import DeliveryStatus, Language, PostStatus, SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from tests.lists.conftest import list_file, post
from tests.support.served import ServedApp, coordinator_page
from tests.web.browser import Auditor

pytestmark = pytest.mark.timeout(400)
MEMBERS = 120


def count(page: Page, name: str) -> int:
    return int(page.locator(f'[data-count="{name}"]').inner_text())


def wait_status(page: Page, status: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.locator(f'[data-post-status="{status}"]').count():
            return
        time.sleep(0.3)
        page.reload()
    raise AssertionError(f"the report never said {status}")


def test_a_relay_is_paused_resumed_and_cancelled_from_its_report(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "logement.yaml").write_text(list_file(), encoding="utf-8")
    with ServedApp(tmp_path, smtp=True) as app:
        app.settings = app.settings.model_copy(update={"lists_dir": lists, "send_rate": 1.0})
        service = Service(Context(settings=app.settings, db=app.ctx.db))
        with app.ctx.db.session() as session:
            for i in range(MEMBERS):
                email = f"membre{i}@example.org"
                language = Language.fr if i % 2 else Language.nl
                session.add(Subscriber(email=email, email_key=email, name=f"Membre {i}",
                                       language=language, status=SubscriberStatus.active,
                                       groups=["logement"]))  # fmt: skip
        service.accounts.create("coordination@example.org", "mot-de-passe-de-test",
                                name="Coordination")  # fmt: skip
        app.start()
        auditor = Auditor()
        with coordinator_page(app.base) as page:
            # posted once the browser is ready: the relay lasts about MEMBERS seconds
            service.intake.ingest_bytes(post("membre0@example.org", "Réunion <jeudi>"))
            [view] = service.lists.posts("logement")
            page.goto(f"/console/lists/posts/{view.id}/report")
            wait_status(page, "relaying")
            assert count(page, "total") == MEMBERS - 1  # not to the poster
            assert count(page, "pending") > 0
            assert "Réunion <jeudi>" in page.locator("h1").inner_text()
            auditor.check(page, "list-post-report-relaying")

            page.click("button[value=pause]")
            page.wait_for_selector("text=Envoi mis en pause.")
            wait_status(page, "paused")
            assert "Gepauzeerd" not in page.content()
            assert "par la coordination" in page.locator("main").inner_text()
            auditor.check(page, "list-post-report-paused")
            paused_sent = count(page, "sent")
            time.sleep(3)  # the worker stopped: nothing more goes out
            page.reload()
            assert count(page, "sent") <= paused_sent + 2  # at most the messages in flight
            assert count(page, "pending") > 0

            page.click("button[value=resume]")
            page.wait_for_selector("text=Envoi repris.")
            wait_status(page, "relaying")

            page.check("#cancel-confirm")
            page.click("button[value=cancel]")
            page.wait_for_selector("text=Envoi annulé")
            wait_status(page, "cancelled")
            # the rows the worker had claimed are skipped once it gives them back
            deadline = time.monotonic() + 60
            while count(page, "pending") and time.monotonic() < deadline:
                time.sleep(0.5)
                page.reload()
            assert count(page, "pending") == 0 and count(page, "skipped") > 0
            assert page.locator("button[value=resume]").count() == 0
            auditor.check(page, "list-post-report-cancelled")

            page.goto("/console/lists/posts?status=cancelled")
            page.wait_for_selector(f'a[data-report="{view.id}"]')
            auditor.check(page, "list-posts-cancelled")
        time.sleep(2)  # a message in flight at the cancellation is recorded by now
        report = service.list_reports.report(view.id)
        assert report.post.status is PostStatus.cancelled
        assert app.smtp is not None
        relayed = [m for m in app.smtp.recorder.messages if "membre0@example.org" not in
                   m.recipients]  # fmt: skip
        # the members the report calls sent got it, the skipped ones never will
        assert len(relayed) == report.deliveries.counts[DeliveryStatus.sent] < MEMBERS - 1
