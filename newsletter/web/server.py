"""Run the app with uvicorn and, in the same process and event loop, the delivery
worker and the scheduler; the embedded mail catcher when no SMTP_HOST is configured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import uvicorn

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.delivery.catcher import MailCatcher, catcher_dir
from newsletter.service import Service
from newsletter.web.app import create_app

log = logging.getLogger(__name__)


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
    scheduler: Any = None
    worker_task: asyncio.Task[None] | None = None
    try:
        service = Service(ctx)
        app = create_app(ctx, service)
        app.state.catcher = mail_catcher
        if worker:
            from newsletter.schedule import start_scheduler

            worker_task = asyncio.create_task(service.delivery.run_worker(stop))
            scheduler = start_scheduler(ctx, service)
        config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
        server = uvicorn.Server(config)
        watcher = asyncio.create_task(_exit_on(shutdown, server)) if shutdown else None
        await server.serve()
        if watcher is not None:
            watcher.cancel()
    finally:
        stop.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if worker_task is not None:
            with contextlib.suppress(Exception):
                await worker_task
        ctx.close()
        if mail_catcher is not None:
            mail_catcher.stop()


async def _exit_on(event: asyncio.Event, server: uvicorn.Server) -> None:
    await event.wait()
    server.should_exit = True


def run_server(
    settings: Settings, *, host: str, port: int, worker: bool = True, catcher: bool = False
) -> None:
    asyncio.run(serve_async(settings, host=host, port=port, worker=worker, catcher=catcher))
