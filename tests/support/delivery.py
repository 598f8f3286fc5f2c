"""Delivering a send in the test process, as ``serve``'s worker does.

``deliver`` runs the delivery worker of one issue until its send is done, through
the SMTP server of ``settings`` (the service's own by default); ``options`` go to
``service.delivery.run`` as they are (``policy``, ``factory``…).
"""

from __future__ import annotations

import asyncio
from typing import Any

from newsletter.config import Settings
from newsletter.delivery.smtp import SmtpPool
from newsletter.service import Service


def deliver(
    service: Service, issue_id: int, settings: Settings | None = None, **options: Any
) -> None:
    pool = SmtpPool.from_settings(settings or service.ctx.settings)

    async def run() -> None:
        try:
            await service.delivery.run(issue_id, pool, asyncio.Event(), **options)
        finally:
            await pool.close()

    asyncio.run(run())
