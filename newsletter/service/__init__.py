"""The one API that the web, the CLI and the scheduler call.

It holds no SQL and no SMTP: each area's service delegates to its stage package.
``Service`` gathers them: ``service.audience``, and one attribute per later area.
"""

from __future__ import annotations

from newsletter.context import Context
from newsletter.service.audience import AudienceService
from newsletter.service.delivery import DeliveryService
from newsletter.service.editorial import EditorialService
from newsletter.service.intake import IntakeService


class Service:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.audience = AudienceService(ctx)
        self.delivery = DeliveryService(ctx, self.audience)
        self.editorial = EditorialService(ctx)
        self.intake = IntakeService(ctx, self.delivery)
