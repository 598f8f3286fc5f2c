"""Scheduling: APScheduler 3.x wiring only; the jobs call the service, and what to plan
comes from the service too (``delivery.scheduled_sends``, ``assemblies.reminders_due``):
no query here.

``serve`` calls ``start_scheduler(ctx)`` inside its event loop. The issues table is the
source of truth (status ``scheduled`` + ``scheduled_at``): ``sync_jobs`` turns it into
jobs of an ``AsyncIOScheduler`` whose job store is a SQLAlchemy table
(``scheduler_jobs``) in the application's database, so jobs survive restarts; it runs at
start and every minute, so ``issue schedule`` from the command line needs no running
scheduler. A job whose time passed while the app was down runs at start; the service
starts it when it is less than SCHEDULE_GRACE_MINUTES late and otherwise holds it
(issue ``paused`` with a reason). AG reminders: at the time the service gives
(``assemblies.reminders_due``: the AG's own time or ASSEMBLY_REMINDER_DAYS before it,
once its invitation went out), the organisations that have not answered are reminded
(``assemblies.run_planned_reminder``). With an
IMAP mailbox configured, ``intake.poll`` runs every IMAP_POLL_MINUTES. Every
``DIGEST_MINUTES``, ``list_digests.send_due`` sends the mailing-list digests due (once
per member and period, from LIST_DIGEST_HOUR on).

Job functions are module-level so the job store can reference them by name; they
reach the service through ``_SERVICES``, filled by ``start_scheduler`` (one entry per
running scheduler, keyed by the job store's table).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from newsletter.config import Settings
from newsletter.context import Context
from newsletter.errors import NewsletterError
from newsletter.service import Service

log = logging.getLogger(__name__)

JOBS_TABLE = "scheduler_jobs"
SYNC_SECONDS = 60
INTAKE_JOB = "intake-poll"
DIGEST_JOB = "list-digests"
#: minutes between two looks for mailing-list digests due
DIGEST_MINUTES = 10
_SERVICES: dict[str, Service] = {}


class _SharedEngineJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job store over the context's engine. Its own ``shutdown`` would dispose of
    that engine's pool while other tasks (the delivery worker) hold connections from it,
    which then go back to a dropped pool unclosed; the context disposes of the engine."""

    def shutdown(self) -> None:
        pass


def _service() -> Service:
    service = _SERVICES.get(JOBS_TABLE)
    if service is None:
        raise RuntimeError("scheduler job run without a started scheduler")
    return service


def run_scheduled_send(issue_id: int) -> None:
    """Job: the scheduled time of an issue has come."""
    started = _service().delivery.run_scheduled(issue_id)
    log.info("scheduled issue %s %s", issue_id, "started" if started else "held or skipped")


def run_assembly_reminder(assembly_id: int) -> None:
    """Job: send the reminder of an AG."""
    issue_id = _service().assemblies.run_planned_reminder(assembly_id)
    log.info("assembly %s reminder: issue %s", assembly_id, issue_id)


def run_intake_poll() -> None:
    """Job: read the submissions mailbox (partner news and bounces) once. A failure is
    raised on, so that ``serve``'s supervision shows the poll as stopped."""
    try:
        report = _service().intake.poll()
    except NewsletterError as error:
        log.warning("intake poll: %s", error)
        raise
    log.info("intake poll: %s", report.counts())


def run_bounce_expiry() -> None:
    """Job: forget the soft bounces of addresses quiet for BOUNCE_SOFT_EXPIRY_DAYS."""
    log.info("soft bounces expired: %d", _service().reports.expire_soft_bounces())


def run_list_digests() -> None:
    """Job: send the mailing-list digests whose day or week has ended."""
    log.info("list digests: %s", _service().list_digests.send_due().counts())


def add_intake_job(scheduler: Any, settings: Settings) -> bool:
    """Poll the IMAP mailbox every IMAP_POLL_MINUTES when one is configured."""
    if not settings.imap_host or settings.imap_poll_minutes <= 0:
        return False
    scheduler.add_job(
        run_intake_poll,
        "interval",
        minutes=settings.imap_poll_minutes,
        id=INTAKE_JOB,
        jobstore="memory",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(seconds=5),
    )
    return True


def start_scheduler(ctx: Context, service: Service | None = None) -> AsyncIOScheduler:
    """Start the scheduler in the running event loop and load the jobs; returns it.
    ``scheduler.shutdown()`` stops it (the jobs stay in the database)."""
    service = service or Service(ctx)
    _SERVICES[JOBS_TABLE] = service
    scheduler = AsyncIOScheduler(
        jobstores={
            "default": _SharedEngineJobStore(engine=ctx.db.engine, tablename=JOBS_TABLE),
            "memory": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=UTC,
    )
    scheduler.start()
    try:
        sync_jobs(scheduler, service)
    except Exception:  # the database does not answer: no half-started scheduler left behind
        scheduler.shutdown(wait=False)
        raise
    scheduler.add_job(
        sync_jobs,
        "interval",
        seconds=SYNC_SECONDS,
        args=[scheduler, service],
        id="sync",
        jobstore="memory",
        replace_existing=True,
    )
    add_intake_job(scheduler, ctx.settings)
    scheduler.add_job(
        run_bounce_expiry,
        "interval",
        hours=24,
        id="bounce-expiry",
        jobstore="memory",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    scheduler.add_job(
        run_list_digests,
        "interval",
        minutes=DIGEST_MINUTES,
        id=DIGEST_JOB,
        jobstore="memory",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
    )
    return scheduler


def issue_job_id(issue_id: int) -> str:
    return f"issue-{issue_id}"


def reminder_job_id(assembly_id: int) -> str:
    return f"assembly-reminder-{assembly_id}"


def sync_jobs(scheduler: Any, service: Service, now: datetime | None = None) -> None:
    """Make the jobs match the scheduled issues and the AG reminders due."""
    wanted: dict[str, tuple[Any, datetime, int]] = {}
    for issue_id, at in service.delivery.scheduled_sends():
        wanted[issue_job_id(issue_id)] = (run_scheduled_send, at, issue_id)
    for assembly_id, at in service.assemblies.reminders_due(now):
        wanted[reminder_job_id(assembly_id)] = (run_assembly_reminder, at, assembly_id)
    existing = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    for job_id in existing:
        if job_id not in wanted:
            scheduler.remove_job(job_id, jobstore="default")
    for job_id, (func, at, arg) in wanted.items():
        job = existing.get(job_id)
        if job is not None and job.next_run_time == at:
            continue
        scheduler.add_job(
            func,
            "date",
            run_date=at,
            args=[arg],
            id=job_id,
            jobstore="default",
            replace_existing=True,
        )
