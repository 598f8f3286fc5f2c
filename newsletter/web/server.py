"""Run the app with uvicorn and, in the same process and event loop, the delivery
worker and the scheduler (with its IMAP poll job), each supervised: an error is logged,
shown on the dashboard and in ``issue status`` ("delivery worker stopped: …"), and the
task is started again with a backoff (``service.supervision``). The embedded mail
catcher runs when no SMTP_HOST is configured."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn

from newsletter.config import Settings
from newsletter.context import Context, open_context
from newsletter.delivery.catcher import MailCatcher, catcher_dir
from newsletter.service import Service
from newsletter.service.supervision import (
    DELIVERY,
    INTAKE,
    RUNNING,
    SCHEDULER,
    STOPPED,
    HealthBoard,
    describe,
    sleep_or_stop,
    supervise,
)
from newsletter.web.access_log import log_config
from newsletter.web.app import create_app

log = logging.getLogger(__name__)
#: seconds the supervised tasks get to finish (in-flight messages, results) at shutdown
DRAIN_SECONDS = 60.0


async def serve_async(
    settings: Settings,
    *,
    host: str,
    port: int,
    worker: bool = True,
    catcher: bool = False,
    shutdown: asyncio.Event | None = None,
) -> None:
    """Serve until interrupted (or until ``shutdown`` is set). ``catcher``: use the
    embedded catcher even if an SMTP relay is configured (the demo)."""
    mail_catcher: MailCatcher | None = None
    if catcher or not settings.smtp_host:
        mail_catcher = MailCatcher(catcher_dir(settings))
        catcher_host, catcher_port = mail_catcher.start()
        settings = mail_catcher.smtp_settings(settings)
        log.warning("mail catcher on %s:%s, Maildir %s", catcher_host, catcher_port,
                    mail_catcher.maildir)  # fmt: skip
    ctx = open_context(settings)
    stop = asyncio.Event()
    board = HealthBoard(settings.data_dir)
    tasks: list[asyncio.Task[None]] = []
    try:
        service = Service(ctx)
        app = create_app(ctx, service)
        app.state.catcher = mail_catcher
        app.state.health = board
        if worker:
            tasks.append(asyncio.create_task(supervise(
                DELIVERY, lambda: service.delivery.run_worker(stop, board=board), stop, board
            )))  # fmt: skip
            tasks.append(asyncio.create_task(supervise(
                SCHEDULER, lambda: run_scheduler(ctx, service, stop, board), stop, board
            )))  # fmt: skip
        config = uvicorn.Config(
            app, host=host, port=port, log_level="info", lifespan="off",
            # forwarded headers are read by the app, from TRUSTED_PROXIES only
            proxy_headers=False, server_header=False,
            timeout_keep_alive=settings.keep_alive_timeout,
            h11_max_incomplete_event_size=16 * 1024,  # request line and headers
            limit_concurrency=200,
            log_config=log_config(),  # no personal token in the access log
        )  # fmt: skip
        server = uvicorn.Server(config)
        watcher = asyncio.create_task(_exit_on(shutdown, server)) if shutdown else None
        await server.serve()
        if watcher is not None:
            watcher.cancel()
    finally:
        stop.set()
        await _drain(tasks)
        board.close()
        ctx.close()
        if mail_catcher is not None:
            mail_catcher.stop()


async def _drain(tasks: list[asyncio.Task[None]]) -> None:
    """Let the tasks finish after ``stop``; one that does not within DRAIN_SECONDS is
    cancelled (a lost cancellation inside a library must not hang the shutdown)."""
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for task in pending:
        log.error("a supervised task did not stop within %s s; cancelling it", DRAIN_SECONDS)
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("supervised task failed", exc_info=task.exception())


async def run_scheduler(
    ctx: Context, service: Service, stop: asyncio.Event, board: HealthBoard
) -> None:
    """Start the scheduler and watch it until ``stop``; a job that fails shows its task
    (scheduler, or mailbox poll for the IMAP job) as stopped until it next succeeds."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

    from newsletter.schedule import INTAKE_JOB, start_scheduler

    scheduler: Any = start_scheduler(ctx, service)  # AsyncIOScheduler: in the loop's thread

    def on_job(event: JobExecutionEvent) -> None:
        task = INTAKE if event.job_id == INTAKE_JOB else SCHEDULER
        if event.exception is not None:
            board.set(task, STOPPED, describe(event.exception))
        else:
            board.set(task, RUNNING)

    scheduler.add_listener(on_job, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED)
    try:
        while not stop.is_set():
            if not scheduler.running:
                raise RuntimeError("the scheduler is no longer running")
            await sleep_or_stop(stop, 1.0)
    finally:
        scheduler.shutdown(wait=False)


async def _exit_on(event: asyncio.Event, server: uvicorn.Server) -> None:
    await event.wait()
    server.should_exit = True


def run_server(
    settings: Settings, *, host: str, port: int, worker: bool = True, catcher: bool = False
) -> None:
    asyncio.run(serve_async(settings, host=host, port=port, worker=worker, catcher=catcher))
