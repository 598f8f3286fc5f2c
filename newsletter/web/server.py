"""Run the app with uvicorn; with the worker, the delivery worker and scheduler run in
the same process and event loop."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from newsletter.config import Settings
from newsletter.context import open_context
from newsletter.service import Service
from newsletter.web.app import create_app

log = logging.getLogger(__name__)


async def serve_async(
    settings: Settings, *, host: str, port: int, worker: bool = True, catcher: bool = False
) -> None:
    ctx = open_context(settings)
    try:
        service = Service(ctx)
        app = create_app(ctx, service)
        config = uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
        server = uvicorn.Server(config)
        await server.serve()
    finally:
        ctx.close()


def run_server(
    settings: Settings, *, host: str, port: int, worker: bool = True, catcher: bool = False
) -> None:
    asyncio.run(serve_async(settings, host=host, port=port, worker=worker, catcher=catcher))
