"""The one API that the web, the CLI and the scheduler call.

It holds no SQL and no SMTP: each area's service delegates to its stage package.
``Service`` gathers them: ``service.audience``, and one attribute per later area.
"""

from __future__ import annotations

from newsletter.context import Context
from newsletter.service.accounts import AccountsService
from newsletter.service.assemblies import AssembliesService
from newsletter.service.audience import AudienceService
from newsletter.service.console import ConsoleQueries
from newsletter.service.delivery import DeliveryService
from newsletter.service.editorial import EditorialService
from newsletter.service.feeds import FeedsService
from newsletter.service.intake import IntakeService
from newsletter.service.moderation import ModerationService
from newsletter.service.notices import NoticesService
from newsletter.service.partners import PartnerLinksService
from newsletter.service.ratelimit import RateLimiter
from newsletter.service.reports import ReportsService
from newsletter.service.rsvp import RsvpService
from newsletter.service.submissions import SubmissionsService


class Service:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.audience = AudienceService(ctx)
        self.limits = RateLimiter(ctx)
        self.accounts = AccountsService(ctx, self.limits)
        self.partners = PartnerLinksService(ctx)
        self.rsvp = RsvpService(ctx)
        self.feeds = FeedsService(ctx)
        self.notices = NoticesService(ctx, self.audience)
        self.delivery = DeliveryService(ctx, self.audience)
        self.editorial = EditorialService(ctx)
        self.console = ConsoleQueries(ctx)
        self.assemblies = AssembliesService(ctx, self.delivery)
        self.moderation = ModerationService(ctx, self.notices)
        self.submissions = SubmissionsService(
            ctx, self.editorial, self.notices, self.limits, self.moderation
        )
        self.intake = IntakeService(ctx, self.delivery)
        self.reports = ReportsService(ctx)
