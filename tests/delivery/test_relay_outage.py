"""A relay that goes down mid-send: the send pauses by itself, tries the relay again
with a backoff and resumes once it answers, unless the coordinator paused it."""

from __future__ import annotations

import asyncio

from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.smtp import SmtpConfig, SmtpPool
from newsletter.delivery.throttle import TokenBucket
from newsletter.delivery.worker import RunEnd, RunResult
from newsletter.models import IssueStatus
from newsletter.service import Service
from tests.delivery.helpers import add_issue, add_subscribers, template_factory
from tests.delivery.smtpd import RecordingServer

FAST_RETRY = RetryPolicy(base=0.05, factor=2, max_delay=0.2, jitter=0.1)


def _fast(service: Service) -> None:
    fast = {"auto_pause_min_results": 6, "auto_pause_window": 20, "relay_retry_seconds": 0.2}
    service.ctx.settings = service.ctx.settings.model_copy(update=fast)


async def _until(condition: object, seconds: float = 30) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


def _status(service: Service, issue_id: int) -> str:
    return str(service.delivery.status(issue_id).status)


async def _start(service: Service, server: RecordingServer, count: int
                 ) -> tuple[int, set[str], SmtpPool, asyncio.Task[RunResult]]:  # fmt: skip
    ctx = service.ctx
    recipients = add_subscribers(ctx, count)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2, timeout=2))
    run = asyncio.create_task(
        service.delivery.run(
            issue_id, pool, asyncio.Event(), factory=template_factory(ctx.settings, issue_id),
            wait_retries=True, policy=FAST_RETRY, bucket=TokenBucket(100), batch_size=10,
        )
    )  # fmt: skip
    return issue_id, {r.email for r in recipients}, pool, run


async def test_a_send_paused_by_a_relay_outage_resumes_when_the_relay_is_back(
    service: Service,
) -> None:
    _fast(service)
    with RecordingServer() as server:
        issue_id, everyone, pool, run = await _start(service, server, 80)
        await _until(lambda: len(server.received) >= 15)
        await asyncio.to_thread(server.down)  # the relay goes down
        await _until(lambda: _status(service, issue_id) == IssueStatus.paused.value)
        assert service.delivery.relay_paused(issue_id)
        at_pause = len(server.received)
        await asyncio.sleep(1.0)  # a few tries of the relay, in vain
        assert _status(service, issue_id) == IssueStatus.paused.value and not run.done()
        await asyncio.to_thread(server.up)  # back, on the same port
        result = await asyncio.wait_for(run, timeout=60)
        await pool.close()
    assert result.end is RunEnd.finished
    assert at_pause < len(everyone)
    received = server.handler.counts()
    assert set(received) == everyone and max(received.values()) == 1
    assert _status(service, issue_id) == IssueStatus.sent.value
    assert not service.delivery.relay_paused(issue_id)


async def test_a_send_the_coordinator_paused_during_the_outage_stays_paused(
    service: Service,
) -> None:
    _fast(service)
    with RecordingServer() as server:
        issue_id, everyone, pool, run = await _start(service, server, 80)
        await _until(lambda: len(server.received) >= 15)
        await asyncio.to_thread(server.down)
        await _until(lambda: service.delivery.relay_paused(issue_id))
        service.delivery.pause(issue_id, "On attend la correction du lien.")
        assert not service.delivery.relay_paused(issue_id)
        before = len(server.received)
        await asyncio.to_thread(server.up)
        result = await asyncio.wait_for(run, timeout=30)
        await asyncio.sleep(0.5)
        await pool.close()
        after = len(server.received)
    assert result.end is RunEnd.paused
    assert result.reason is not None
    assert result.reason.render("nl") == "On attend la correction du lien."
    assert after == before < len(everyone)  # nothing more went out
    status = service.delivery.status(issue_id)
    assert status.status == IssueStatus.paused.value
    assert status.reason_text() == "On attend la correction du lien."


async def test_refusals_pause_without_resuming_by_themselves(service: Service) -> None:
    from tests.delivery.smtpd import Faults

    _fast(service)
    ctx = service.ctx
    recipients = add_subscribers(ctx, 30)
    issue_id = add_issue(ctx)
    service.delivery.start_send(issue_id, ["tous"], recipients=recipients)
    with RecordingServer(Faults(refuse_all=451)) as server:
        pool = SmtpPool(SmtpConfig("127.0.0.1", server.port, connections=2))
        result = await asyncio.wait_for(
            service.delivery.run(
                issue_id, pool, asyncio.Event(),
                factory=template_factory(ctx.settings, issue_id), batch_size=10,
            ),
            timeout=30,
        )  # fmt: skip
        await pool.close()
    assert result.end is RunEnd.paused and not result.relay_down
    assert not service.delivery.relay_paused(issue_id)
