"""The poll job of `serve`'s scheduler."""

from __future__ import annotations

import asyncio

from newsletter.context import Context
from newsletter.models import InboundOutcome
from newsletter.schedule import INTAKE_JOB, add_intake_job, run_intake_poll, start_scheduler
from newsletter.service import Service
from tests.inbound.conftest import add_partners, corpus, imap_settings
from tests.support.dovecot import MailUser


async def test_scheduler_polls_the_mailbox(ctx: Context, mail_user: MailUser) -> None:
    add_partners(ctx)
    settings = imap_settings(ctx.settings, mail_user)
    mail_user.deliver(corpus("05-outlook-forward-fr.eml"))
    service = Service(Context(settings=settings, db=ctx.db))
    scheduler = start_scheduler(service.ctx, service)
    try:
        job = scheduler.get_job(INTAKE_JOB)
        assert job is not None and job.trigger.interval.total_seconds() == 5 * 60
        await asyncio.to_thread(run_intake_poll)  # what the job runs, without waiting for it
    finally:
        scheduler.shutdown(wait=False)
    [record] = service.intake.messages()
    assert record.outcome == InboundOutcome.item.value
    assert mail_user.folder_count("Processed") == 1


def test_no_job_without_a_mailbox(ctx: Context) -> None:
    jobs: list[str] = []

    class Recorder:
        def add_job(self, *args: object, **kwargs: object) -> None:
            jobs.append(str(kwargs["id"]))

    assert not add_intake_job(Recorder(), ctx.settings)
    no_poll = ctx.settings.model_copy(
        update={"imap_host": "imap.example.org", "imap_poll_minutes": 0}
    )
    assert not add_intake_job(Recorder(), no_poll)
    assert jobs == []
    assert add_intake_job(Recorder(), no_poll.model_copy(update={"imap_poll_minutes": 10}))
    assert jobs == [INTAKE_JOB]
