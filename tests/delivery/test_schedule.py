"""Scheduling with APScheduler and its SQLAlchemy job store in the application database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from newsletter import schedule
from newsletter.service import Service
from newsletter.store.base import utcnow
from newsletter.store.editorial import Issue
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers


def _issue(service: Service) -> int:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    add_subscribers(service.ctx, 4, prefix="planifie")
    return issue_id


async def _until(predicate: Callable[[], object], seconds: float = 30) -> bool:
    """Whether ``predicate`` comes true within ``seconds`` (a liveness limit: the
    scheduler's first run waits for its thread, slow on a loaded machine)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


def _job_ids(service: Service) -> set[str]:
    with service.ctx.db.engine.connect() as conn:
        return set(conn.execute(text(f"select id from {schedule.JOBS_TABLE}")).scalars())


async def test_jobs_are_stored_and_survive_a_restart(service: Service) -> None:
    issue_id = _issue(service)
    service.delivery.schedule(issue_id, utcnow() + timedelta(days=2), ["public"])
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert schedule.issue_job_id(issue_id) in _job_ids(service)
    finally:
        scheduler.shutdown(wait=False)
    assert schedule.issue_job_id(issue_id) in _job_ids(service)  # kept in the database
    again = schedule.start_scheduler(service.ctx, service)
    try:
        job = again.get_job(schedule.issue_job_id(issue_id))
        assert job is not None and job.next_run_time > utcnow() + timedelta(days=1)
        # cancelling the issue removes its job at the next synchronisation
        service.delivery.cancel(issue_id)
        schedule.sync_jobs(again, service)
        assert again.get_job(schedule.issue_job_id(issue_id)) is None
    finally:
        again.shutdown(wait=False)


def _scheduled_then_missed(service: Service, issue_id: int, ago: timedelta) -> None:
    """Scheduled (in the future, as every door requires), then the time passed while the
    application was stopped."""
    service.delivery.schedule(issue_id, utcnow() + timedelta(hours=1), ["public"])
    with service.ctx.db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.scheduled_at = utcnow() - ago


async def test_missed_send_within_grace_starts(service: Service) -> None:
    issue_id = _issue(service)
    _scheduled_then_missed(service, issue_id, timedelta(minutes=5))
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert await _until(lambda: service.delivery.status(issue_id).status == "sending")
        assert service.delivery.status(issue_id).total == 4
    finally:
        scheduler.shutdown(wait=False)


async def test_missed_send_beyond_grace_is_held(service: Service) -> None:
    issue_id = _issue(service)
    _scheduled_then_missed(service, issue_id, timedelta(hours=3))
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert await _until(lambda: service.delivery.status(issue_id).status == "paused")
    finally:
        scheduler.shutdown(wait=False)
    status = service.delivery.status(issue_id)
    assert "programmée" in status.reason_text() and status.total == 0
    assert status.scheduled_at is not None
    service.delivery.resume(issue_id)  # the coordinator decides to send it after all
    assert service.delivery.status(issue_id).status == "sending"


async def test_stopping_the_scheduler_leaves_the_shared_engine_alone(service: Service) -> None:
    """The job store shares the context's engine: its shutdown (scheduler restarts under
    ``serve``'s supervision) must not dispose of the pool while other tasks hold
    connections from it, or those connections go back to a dropped pool, unclosed."""
    engine = service.ctx.db.engine
    pool = engine.pool
    held = engine.connect()  # the delivery worker's connection, in its thread
    try:
        scheduler = schedule.start_scheduler(service.ctx, service)
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0.1)  # AsyncIOScheduler shuts down in the loop's next turn
        assert engine.pool is pool
    finally:
        held.close()
    assert isinstance(pool, QueuePool) and pool.checkedin() >= 1  # back in the engine's pool
