"""The relay of a post after its approval: its delivery report (service, CLI, console),
its status while it goes out and after, and pause / resume / cancel with the rules of an
issue's send. Relayed through the outbox to the recording SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.delivery import outbox
from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.models import DeliveryStatus, Language, PostStatus, SubscriberStatus
from newsletter.service import Service
from newsletter.service.list_relays import ListRelays
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Send
from tests.delivery.smtpd import Faults, RecordingServer
from tests.lists.conftest import add_members, list_file, post, set_list
from tests.lists.test_relay import relay_all
from tests.support.cli import Cli
from tests.web.conftest import Browser

CHLOE = "chloe@example.org"


def a_post(service: Service, subject: str = "Réunion du GT jeudi") -> int:
    """A member's post, approved by the list's rules (its relay queued)."""
    service.intake.ingest_bytes(post("alice@example.org", subject))
    found = [p for p in service.lists.posts("logement") if p.subject == subject]
    assert found and found[0].status is PostStatus.approved
    return found[0].id


def status_of(service: Service, post_id: int) -> PostStatus:
    """The stored status, read without ``settle`` (which ``posts()`` runs)."""
    return service.list_reports.report(post_id).post.status


def test_the_report_of_a_relay_counts_every_member(
    cli: Cli, ctx: Context, service: Service, console: Browser
) -> None:
    add_members(ctx)
    post_id = a_post(service)
    queued = cli("lists", "report", str(post_id), "--json").json()
    assert queued["status"] == "approved"
    assert (queued["total"], queued["pending"], queued["sent"]) == (2, 2, 0)

    with RecordingServer(Faults(perm={CHLOE})) as server:
        relay_all(service, server)
    assert [r.recipient for r in server.received] == ["bram@example.be"]
    # relayed in the transaction of the last delivery, not when someone reads the posts
    assert status_of(service, post_id) is PostStatus.relayed
    report = service.list_reports.report(post_id)
    assert report.totals() == {"total": 2, "sent": 1, "failed": 1, "bounced": 0, "skipped": 0,
                               "pending": 0, "retrying": 0}  # fmt: skip
    [bram] = [r for r in report.deliveries.rows if r.email == "bram@example.be"]
    service.delivery.mark_bounced(bram.id, hard=True, reason="550 5.1.1 gone")

    document = cli("lists", "report", str(post_id), "--json").json()
    assert (document["post"], document["list"], document["status"]) == (post_id, "logement",
                                                                        "relayed")  # fmt: skip
    assert {k: document[k] for k in ("total", "sent", "failed", "bounced", "pending")} == {
        "total": 2, "sent": 0, "failed": 1, "bounced": 1, "pending": 0,
    }  # fmt: skip
    by_email = {r["email"]: r for r in document["recipients"]}
    assert by_email[CHLOE]["status"] == "failed_permanent"
    assert "550" in by_email[CHLOE]["smtp_reply"] and by_email[CHLOE]["reason"]
    text = cli("lists", "report", str(post_id))
    assert text.code == 0 and "1 en échec, 1 revenus" in text.out and CHLOE in text.out
    assert cli("lists", "report", "999").code == 1

    listing = console.get("/console/lists/posts?status=relayed").text
    assert f'href="/console/lists/posts/{post_id}/report"' in listing
    page = console.get(f"/console/lists/posts/{post_id}/report")
    assert page.status_code == 200
    assert 'data-count="failed">1<' in page.text and 'data-count="bounced">1<' in page.text
    assert 'data-post-status="relayed"' in page.text and CHLOE in page.text
    assert 'value="pause"' not in page.text  # a finished relay has nothing to pause
    only_failed = console.get(f"/console/lists/posts/{post_id}/report?status=failed_permanent")
    assert CHLOE in only_failed.text and "bram@example.be" not in only_failed.text
    assert console.get("/console/lists/posts/999/report").status_code == 404
    assert console.get(f"/console/lists/posts/{post_id}/report?status=nope").status_code == 400


def test_the_status_says_relaying_while_deliveries_are_pending(
    cli: Cli, ctx: Context, service: Service, console: Browser
) -> None:
    add_members(ctx)
    post_id = a_post(service)
    with RecordingServer(Faults(temp_first={CHLOE})) as server:
        relay_all(service, server)  # chloe: 451, retried later
        assert status_of(service, post_id) is PostStatus.relaying
        document = cli("lists", "report", str(post_id), "--json").json()
        assert (document["status"], document["sent"], document["pending"]) == ("relaying", 1, 1)
        posts = cli("lists", "posts", "logement", "--status", "relaying", "--json").json()
        assert [p["id"] for p in posts] == [post_id]  # settle leaves an open relay alone
        tab = console.get("/console/lists/posts?status=relaying").text
        assert f"/console/lists/posts/{post_id}/report" in tab
        with ctx.db.session() as session:
            send_id = session.scalar(select(Send.id).where(Send.post_id == post_id))
            assert send_id is not None
            outbox.retry_now(session, send_id)
        relay_all(service, server)
    assert sorted(r.recipient for r in server.received if r.recipient == CHLOE) == [CHLOE]
    assert status_of(service, post_id) is PostStatus.relayed
    assert cli("lists", "report", str(post_id), "--json").json()["pending"] == 0


def test_pause_resume_and_cancel_follow_the_rules_of_a_send(
    cli: Cli, ctx: Context, service: Service
) -> None:
    add_members(ctx)
    post_id = a_post(service)
    assert cli("lists", "pause", str(post_id), "--reason", "Vérifier la pièce jointe").code == 0
    assert status_of(service, post_id) is PostStatus.paused
    with RecordingServer() as server:
        relay_all(service, server)
        assert server.received == []  # paused: nothing goes out
        paused = cli("lists", "report", str(post_id), "--json").json()
        assert (paused["status"], paused["pending"]) == ("paused", 2)
        assert paused["reason"] == "Vérifier la pièce jointe"
        again = cli("lists", "pause", str(post_id))
        assert again.code == 1 and "paused" in again.err  # paused → paused: refused
        assert cli("lists", "resume", str(post_id)).code == 0
        assert status_of(service, post_id) is PostStatus.relaying
        relay_all(service, server)
    assert sorted(r.recipient for r in server.received) == ["bram@example.be", CHLOE]
    assert status_of(service, post_id) is PostStatus.relayed
    for action in ("pause", "resume", "cancel"):  # a relayed post's relay is over
        assert cli("lists", action, str(post_id)).code == 1
    assert status_of(service, post_id) is PostStatus.relayed

    second = a_post(service, "Deuxième message")
    cancelled = cli("lists", "cancel", str(second))
    assert cancelled.code == 0 and "2" in cancelled.out
    with RecordingServer() as server:
        relay_all(service, server)
    assert server.received == []
    document = cli("lists", "report", str(second), "--json").json()
    assert (document["status"], document["skipped"], document["pending"]) == ("cancelled", 2, 0)
    assert {r["status"] for r in document["recipients"]} == {DeliveryStatus.skipped.value}
    assert cli("lists", "resume", str(second)).code == 1  # cancelled is final
    assert service.lists.posts("logement", PostStatus.cancelled)[0].id == second


def test_a_held_post_has_no_relay_to_pause(
    cli: Cli, settings: Settings, ctx: Context, service: Service
) -> None:
    set_list(settings, list_file("all"))
    add_members(ctx)
    service.intake.ingest_bytes(post("alice@example.org"))
    [held] = service.lists.posts("logement", PostStatus.held)
    refused = cli("lists", "pause", str(held.id))
    assert refused.code == 1 and "pas été approuvé" in refused.err
    empty = cli("lists", "report", str(held.id), "--json").json()
    assert (empty["status"], empty["total"], empty["recipients"]) == ("held", 0, [])


def test_console_buttons_pause_resume_and_cancel(
    ctx: Context, service: Service, console: Browser
) -> None:
    add_members(ctx)
    post_id = a_post(service)
    url = f"/console/lists/posts/{post_id}/report"
    page = console.get(url).text
    assert 'value="pause"' in page and 'value="cancel"' in page
    assert (
        console.post(f"/console/lists/posts/{post_id}/relay", {"action": "pause"}).status_code
        == 303
    )
    assert status_of(service, post_id) is PostStatus.paused
    page = console.get(url).text
    assert 'value="resume"' in page and 'value="pause"' not in page
    console.post(f"/console/lists/posts/{post_id}/relay", {"action": "resume"})
    assert status_of(service, post_id) is PostStatus.relaying
    unconfirmed = console.post(f"/console/lists/posts/{post_id}/relay", {"action": "cancel"})
    assert unconfirmed.status_code == 303
    assert status_of(service, post_id) is PostStatus.relaying
    assert "Cochez la case" in console.get(url).text
    console.post(f"/console/lists/posts/{post_id}/relay", {"action": "cancel", "confirm": "yes"})
    assert status_of(service, post_id) is PostStatus.cancelled
    page = console.get(url).text
    assert 'data-count="skipped">2<' in page and 'value="resume"' not in page
    refused = console.post(f"/console/lists/posts/{post_id}/relay", {"action": "resume"})
    assert refused.status_code == 303 and status_of(service, post_id) is PostStatus.cancelled


async def test_a_relay_paused_by_a_relay_outage_resumes_when_the_relay_is_back(
    ctx: Context, service: Service
) -> None:
    """As an issue's send: the serve worker pauses the relay when the SMTP relay goes
    away, tries it again with a backoff and resumes once it answers; nobody gets two."""
    add_members(ctx)
    with ctx.db.session() as session:
        for n in range(80):
            email = f"membre{n}@example.org"
            session.add(Subscriber(email=email, email_key=email, name=f"Membre {n}",
                                   language=Language.fr, status=SubscriberStatus.active,
                                   groups=["logement"]))  # fmt: skip
    fast = {"auto_pause_min_results": 6, "auto_pause_window": 20, "relay_retry_seconds": 0.2,
            "send_rate": 20.0}  # fmt: skip
    service.ctx.settings = service.ctx.settings.model_copy(update=fast)
    post_id = await asyncio.to_thread(a_post, service)

    async def until(condition: Callable[[], bool], seconds: float = 60) -> None:
        end = asyncio.get_running_loop().time() + seconds
        while not await asyncio.to_thread(condition):
            assert asyncio.get_running_loop().time() < end, "timed out"
            await asyncio.sleep(0.05)

    def outage_marked() -> list[int]:
        with ctx.db.session() as session:
            return ListRelays.relay_paused(session)

    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2, timeout=2))
        stop = asyncio.Event()
        worker = asyncio.create_task(service.delivery.run_worker(stop, pool))
        try:
            await until(lambda: len(server.received) >= 10)
            await asyncio.to_thread(server.down)
            await until(lambda: status_of(service, post_id) is PostStatus.paused)
            assert len(outage_marked()) == 1  # paused by the outage, not by the coordinator
            at_pause = len(server.received)
            await asyncio.to_thread(server.up)
            await until(lambda: status_of(service, post_id) is PostStatus.relayed)
        finally:
            stop.set()
            await asyncio.wait_for(worker, timeout=30)
            await pool.close()
    totals = service.list_reports.report(post_id).totals()
    received = server.handler.counts()
    assert at_pause < totals["total"] and totals["sent"] == totals["total"] == len(received)
    assert max(received.values()) == 1
    assert outage_marked() == []
