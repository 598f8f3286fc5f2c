"""Sending through the service and the worker, against the recording SMTP server."""

from __future__ import annotations

import asyncio
import email
from collections import Counter
from datetime import timedelta
from pathlib import Path

from newsletter.delivery.maildir import MaildirTransport
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.delivery.throttle import Caps, TokenBucket
from newsletter.delivery.verp import delivery_id_from_address
from newsletter.delivery.worker import RunEnd
from newsletter.models import DeliveryStatus as D
from newsletter.models import SubscriberStatus
from newsletter.service import Service
from newsletter.store.audience import Subscriber
from newsletter.store.delivery import Delivery
from tests.delivery.helpers import add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import Faults, RecordingServer

FAST_RETRY = RetryPolicy(base=0.05, factor=2, max_delay=0.2, jitter=0.1)


async def test_send_with_faults_is_exact(service: Service) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 60)
    temp = {r.email for r in recipients[::7]}
    perm = {recipients[5].email, recipients[17].email}
    issue_id = add_issue(ctx)
    assert service.delivery.start_send(issue_id, ["tous"], recipients=recipients) == 60
    with RecordingServer(Faults(temp_first=temp, perm=perm, drop_every=13)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=4))
        result = await service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
            wait_retries=True, policy=FAST_RETRY,
        )  # fmt: skip
        await pool.close()
    assert result.end is RunEnd.finished
    received = server.handler.counts()
    wanted = {r.email for r in recipients} - perm
    assert set(received) == wanted
    assert all(n == 1 for n in received.values())
    status = service.delivery.status(issue_id)
    assert status.status == "sent"
    assert (status.total, status.sent, status.failed, status.queued) == (60, 58, 2, 0)
    failed = service.delivery.deliveries(issue_id, D.failed_permanent)
    assert {f.email for f in failed} == perm
    assert all(f.last_reply.startswith("550") for f in failed)
    retried = {d.email: d.attempts for d in service.delivery.deliveries(issue_id, D.sent)}
    assert all(retried[e] >= 2 for e in temp)
    # every message carries its own Message-ID and a VERP sender that names its row
    by_email = {d.email: d for d in service.delivery.deliveries(issue_id)}
    for item in server.received:
        parsed = email.message_from_bytes(item.data)
        row = by_email[item.recipient]
        assert parsed["Message-ID"] == row.message_id
        assert delivery_id_from_address(ctx.settings, item.sender) == row.id
        assert "/u/" in parsed["List-Unsubscribe"]


async def test_relay_refusing_everything_pauses_the_send(service: Service) -> None:
    ctx = service.ctx
    ctx.settings = ctx.settings.model_copy(update={"auto_pause_min_results": 20})
    recipients = add_subscribers(ctx, 40)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    with RecordingServer(Faults(refuse_all=451)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        result = await service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
            batch_size=20,
        )  # fmt: skip
        await pool.close()
    assert result.end is RunEnd.paused
    status = service.delivery.status(issue_id)
    assert status.status == "paused"
    assert "451" in status.reason_text() and "échoué" in status.reason_text()
    assert status.sent == 0 and status.queued == 40
    # resuming once the relay accepts again sends everything exactly once
    service.delivery.resume(issue_id)
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        result = await service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
            wait_retries=True, policy=RetryPolicy(base=0.01, max_delay=0.01),
        )  # fmt: skip
        await pool.close()
    assert result.end is RunEnd.finished
    assert sorted(server.handler.counts().values()) == [1] * 40


async def test_unsubscribe_during_send_is_honoured(service: Service) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 30)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    leaving = recipients[-1]
    with ctx.db.session() as session:
        subscriber = session.get(Subscriber, leaving.subscriber_id)
        assert subscriber is not None
        subscriber.status = SubscriberStatus.unsubscribed
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        await service.delivery.run(issue_id, pool, asyncio.Event(),
                                   factory=template_factory(ctx.settings, issue_id))  # fmt: skip
        await pool.close()
    assert leaving.email not in server.handler.counts()
    status = service.delivery.status(issue_id)
    assert (status.sent, status.skipped, status.status) == (29, 1, "sent")


async def test_rate_and_hourly_cap(service: Service) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 12)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    stop = asyncio.Event()
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=4))
        loop = asyncio.get_running_loop()
        started = loop.time()
        task = asyncio.create_task(service.delivery.run(
            issue_id, pool, stop, factory=template_factory(ctx.settings, issue_id),
            caps=Caps(hourly=5, daily=0), bucket=TokenBucket(rate=20),
        ))  # fmt: skip
        while len(server.received) < 5 and loop.time() - started < 10:
            await asyncio.sleep(0.05)
        elapsed = loop.time() - started
        await asyncio.sleep(0.5)
        assert len(server.received) == 5  # the cap holds, counted from the outbox
        stop.set()
        result = await task
        await pool.close()
    assert result.end is RunEnd.stopped
    assert elapsed >= 4 / 20 * 0.9  # 20 messages per second at most
    status = service.delivery.status(issue_id)
    assert (status.sent, status.queued) == (5, 7)
    with ctx.db.session() as session:
        assert session.query(Delivery).filter(Delivery.status == D.sending).count() == 0


def test_retry_policy_and_token_bucket() -> None:
    policy = RetryPolicy(base=60, factor=2, max_delay=3600, jitter=0.25,
                         max_age=timedelta(hours=72))  # fmt: skip
    delays = [policy.delay(n) for n in range(1, 10)]
    assert 45 <= delays[0] <= 75 and 90 <= delays[1] <= 150
    assert all(d <= 3600 * 1.25 for d in delays) and delays[8] >= 3600 * 0.75
    bucket = TokenBucket(rate=10, burst=1, clock=0.0)
    waits = [bucket.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.1, 0.2, 0.30000000000000004, 0.4] or all(
        abs(w - 0.1 * i) < 1e-9 for i, w in enumerate(waits)
    )
    assert TokenBucket(rate=0).reserve(0.0) == 0.0
    assert Counter(round(policy.delay(1)) // 100 for _ in range(50))


async def test_pause_and_cancel_take_effect_during_a_send(service: Service) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 80)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    factory = template_factory(ctx.settings, issue_id)
    with RecordingServer() as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        task = asyncio.create_task(service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=factory, bucket=TokenBucket(rate=40),
        ))  # fmt: skip
        while len(server.received) < 10:
            await asyncio.sleep(0.02)
        service.delivery.pause(issue_id)
        at_pause = len(server.received)
        result = await asyncio.wait_for(task, timeout=10)
        assert result.end is RunEnd.paused
        assert len(server.received) <= at_pause + 2 + 40  # in flight + at most 1 s at 40/s
        status = service.delivery.status(issue_id)
        assert status.status == "paused" and "coordination" in status.reason_text()
        assert status.sent == len(server.received) and status.queued == 80 - status.sent
        service.delivery.resume(issue_id)
        task = asyncio.create_task(service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=factory, bucket=TokenBucket(rate=40),
        ))  # fmt: skip
        while len(server.received) < status.sent + 10:
            await asyncio.sleep(0.02)
        service.delivery.cancel(issue_id)
        result = await asyncio.wait_for(task, timeout=10)
        await pool.close()
    final = service.delivery.status(issue_id)
    assert final.status == "cancelled" and final.queued == 0
    assert final.sent == len(server.received) < 80
    assert final.skipped == 80 - final.sent
    assert max(server.handler.counts().values()) == 1


async def test_bounce_matched_by_verp_marks_delivery_and_subscriber(
    service: Service, tmp_path: Path
) -> None:
    ctx = service.ctx
    recipients = add_subscribers(ctx, 3, prefix="rebond")
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    transport = MaildirTransport(tmp_path / "box")
    factory = template_factory(ctx.settings, issue_id)
    result = await service.delivery.run(issue_id, transport, asyncio.Event(), factory=factory)
    assert result.end is RunEnd.finished
    first = transport.store.messages()[0]
    return_path = email.message_from_bytes(first)["Return-Path"].strip("<>")
    delivery_id = delivery_id_from_address(ctx.settings, return_path)
    assert delivery_id is not None
    subscriber_id = service.delivery.mark_bounced(delivery_id, hard=True, reason="550 5.1.1")
    assert subscriber_id in {r.subscriber_id for r in recipients}
    status = service.delivery.status(issue_id)
    assert (status.sent, status.bounced) == (2, 1)
    with ctx.db.session() as session:
        subscriber = session.get(Subscriber, subscriber_id)
        assert subscriber is not None and subscriber.status is SubscriberStatus.bounced
    assert service.delivery.mark_bounced(10**9, hard=True, reason="x") is None


async def test_one_click_unsubscribe_during_a_send_stops_claimed_messages(
    service: Service,
) -> None:
    """Every row is claimed at the start (one batch); those who unsubscribe meanwhile
    are still skipped: the worker re-reads its claimed rows every second."""
    ctx = service.ctx
    recipients = add_subscribers(ctx, 120)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    leaving = recipients[80:]
    with RecordingServer(Faults(delay=0.2)) as server:  # 2 connections: 10 messages/s
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        run = asyncio.create_task(service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
        ))  # fmt: skip
        while len(server.received) < 10:
            await asyncio.sleep(0.01)
        for person in leaving:  # what the one-click POST calls
            await asyncio.to_thread(service.audience.unsubscribe, person.subscriber_id,
                                    source="one-click")  # fmt: skip
        at_unsubscribe = len(server.received)
        result = await asyncio.wait_for(run, timeout=60)
        await pool.close()
    assert at_unsubscribe < 65  # the leaving ones were claimed and not yet handed over
    assert result.end is RunEnd.finished
    received = server.handler.counts()
    assert not {p.email for p in leaving} & set(received)
    status = service.delivery.status(issue_id)
    assert (status.sent, status.skipped, status.status) == (80, 40, "sent")
