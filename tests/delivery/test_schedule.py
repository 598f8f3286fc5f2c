"""Scheduling with APScheduler and its SQLAlchemy job store in the application database."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, text

from newsletter import schedule
from newsletter.delivery.outbox import Claimed
from newsletter.models import IssueStatus, Language, Membership
from newsletter.service import Service
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly, Issue
from tests.content.sample import build_sample
from tests.delivery.helpers import add_subscribers


def _issue(service: Service) -> int:
    with service.ctx.db.session() as session:
        issue_id = build_sample(session, service.ctx.settings)
    add_subscribers(service.ctx, 4, prefix="planifie")
    return issue_id


async def _until(predicate: Callable[[], object], seconds: float = 10) -> bool:
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


async def test_missed_send_within_grace_starts(service: Service) -> None:
    issue_id = _issue(service)
    service.delivery.schedule(issue_id, utcnow() - timedelta(minutes=5), ["public"])
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert await _until(lambda: service.delivery.status(issue_id)["status"] == "sending")
        assert service.delivery.status(issue_id)["total"] == 4
    finally:
        scheduler.shutdown(wait=False)


async def test_missed_send_beyond_grace_is_held(service: Service) -> None:
    issue_id = _issue(service)
    service.delivery.schedule(issue_id, utcnow() - timedelta(hours=3), ["public"])
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert await _until(lambda: service.delivery.status(issue_id)["status"] == "paused")
    finally:
        scheduler.shutdown(wait=False)
    status = service.delivery.status(issue_id)
    assert "programmée" in status["reason"] and status["total"] == 0
    assert status["scheduled_at"] is not None
    service.delivery.resume(issue_id)  # the coordinator decides to send it after all
    assert service.delivery.status(issue_id)["status"] == "sending"


async def test_assembly_reminder_is_a_scheduled_send(service: Service) -> None:
    issue_id = _issue(service)
    starts = utcnow() + timedelta(days=20)
    with service.ctx.db.session() as session:
        assembly = session.scalars(select(Assembly).order_by(Assembly.id)).first()
        assert assembly is not None
        assembly.starts_at = starts
        assembly_id = assembly.id
        issue = session.get(Issue, issue_id)
        assert issue is not None
        issue.assembly_id = assembly_id
    scheduler = schedule.start_scheduler(service.ctx, service)
    try:
        assert schedule.reminder_job_id(assembly_id) not in _job_ids(service)  # not sent yet
        service.delivery.start_send(issue_id, ["public"])
        schedule.sync_jobs(scheduler, service)
        job = scheduler.get_job(schedule.reminder_job_id(assembly_id))
        assert job is not None
        days = service.ctx.settings.assembly_reminder_days
        assert abs((job.next_run_time - (starts - timedelta(days=days))).total_seconds()) < 1
    finally:
        scheduler.shutdown(wait=False)
    schedule._SERVICES[schedule.JOBS_TABLE] = service
    schedule.run_assembly_reminder(assembly_id)  # what the job does when its time comes
    with service.ctx.db.session() as session:
        reminders = session.scalars(
            select(Issue).where(Issue.assembly_id == assembly_id, Issue.id != issue_id)
        ).all()
        assert len(reminders) == 1
        assert reminders[0].status is IssueStatus.sending
        assert reminders[0].title.startswith("Rappel")
        assert reminders[0].lists == ["public"]
        reminder_id = reminders[0].id
    # the reminder renders through the same path as any issue
    factory = service.delivery.message_factory(reminder_id)
    row = Claimed(1, 1, "lecteur@example.org", "Lecteur", Language.fr, Membership.none,
                  "<issue-x@example.org>", 1)  # fmt: skip
    data, sender = factory(row)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Subject"].startswith("Rappel") and sender.startswith("bounces+")
    assert service.delivery.send_assembly_reminder(assembly_id) is None  # only once
