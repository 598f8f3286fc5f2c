"""The one API that the web, the CLI and the scheduler call.

Rules live here, once for every door (console, CLI, e-mail, scheduler). A service method
opens the session (one transaction per action) and may query through it; the work of a
stage (sanitising, rendering, the outbox, the status machines) is delegated to the stage
package. It never talks SMTP or IMAP itself: the transports and the mailbox do. The doors
(``web``, ``cli``, ``schedule``) hold no query: they call the methods here. Where each
kind of code may live: ``docs/architecture.md``.
``Service`` gathers one service per area: ``service.audience``, ``service.delivery``, …
Each area is built (and its modules imported) the first time it is used, so that a
command such as ``members import`` loads neither the renderer nor the web stack.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from newsletter.context import Context

if TYPE_CHECKING:
    from newsletter.service.accounts import AccountsService
    from newsletter.service.assemblies import AssembliesService
    from newsletter.service.audience import AudienceService
    from newsletter.service.clicks import ClicksService
    from newsletter.service.console import ConsoleQueries
    from newsletter.service.delivery import DeliveryService
    from newsletter.service.editorial import EditorialService
    from newsletter.service.feeds import FeedsService
    from newsletter.service.intake import IntakeService
    from newsletter.service.issue_content import IssueContentService
    from newsletter.service.issue_life import IssueLifeService
    from newsletter.service.languages import LanguagesService
    from newsletter.service.list_archive import ListArchiveService
    from newsletter.service.list_digests import ListDigestsService
    from newsletter.service.list_relays import ListRelays
    from newsletter.service.list_reports import ListReports
    from newsletter.service.lists import ListsService
    from newsletter.service.moderation import ModerationService
    from newsletter.service.notices import NoticesService
    from newsletter.service.partner_items import PartnerItemsService
    from newsletter.service.partners import PartnerLinksService
    from newsletter.service.people import PeopleService
    from newsletter.service.ratelimit import RateLimiter
    from newsletter.service.reports import ReportsService
    from newsletter.service.rsvp import RsvpService
    from newsletter.service.search import SearchService
    from newsletter.service.sessions import SessionsService
    from newsletter.service.submissions import SubmissionsService
    from newsletter.service.subscriptions import SubscriptionsService
    from newsletter.service.tokens import TokensService


class Service:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @cached_property
    def audience(self) -> AudienceService:
        from newsletter.service.audience import AudienceService

        return AudienceService(self.ctx)

    @cached_property
    def languages(self) -> LanguagesService:
        from newsletter.service.languages import LanguagesService

        return LanguagesService(self.ctx)

    @cached_property
    def people(self) -> PeopleService:
        from newsletter.service.people import PeopleService

        return PeopleService(self.ctx, self.audience, self.partners, self.notices)

    @cached_property
    def tokens(self) -> TokensService:
        from newsletter.service.tokens import TokensService

        return TokensService(self.ctx)

    @cached_property
    def limits(self) -> RateLimiter:
        from newsletter.service.ratelimit import RateLimiter

        return RateLimiter(self.ctx)

    @cached_property
    def accounts(self) -> AccountsService:
        from newsletter.service.accounts import AccountsService

        return AccountsService(self.ctx, self.limits)

    @cached_property
    def sessions(self) -> SessionsService:
        from newsletter.service.sessions import SessionsService

        return SessionsService(self.ctx)

    @cached_property
    def partners(self) -> PartnerLinksService:
        from newsletter.service.partners import PartnerLinksService

        return PartnerLinksService(self.ctx)

    @cached_property
    def partner_items(self) -> PartnerItemsService:
        from newsletter.service.partner_items import PartnerItemsService

        return PartnerItemsService(self.ctx)

    @cached_property
    def rsvp(self) -> RsvpService:
        from newsletter.service.rsvp import RsvpService

        return RsvpService(self.ctx, self.notices)

    @cached_property
    def feeds(self) -> FeedsService:
        from newsletter.service.feeds import FeedsService

        return FeedsService(self.ctx)

    @cached_property
    def notices(self) -> NoticesService:
        from newsletter.service.notices import NoticesService

        return NoticesService(self.ctx, self.audience)

    @cached_property
    def delivery(self) -> DeliveryService:
        from newsletter.service.delivery import DeliveryService

        return DeliveryService(self.ctx, lambda: self.audience)

    @cached_property
    def editorial(self) -> EditorialService:
        from newsletter.service.editorial import EditorialService

        return EditorialService(self.ctx)

    @cached_property
    def issue_life(self) -> IssueLifeService:
        from newsletter.service.issue_life import IssueLifeService

        return IssueLifeService(self.ctx, self.editorial, self.notices)

    @cached_property
    def issue_content(self) -> IssueContentService:
        from newsletter.service.issue_content import IssueContentService

        return IssueContentService(self.ctx)

    @cached_property
    def console(self) -> ConsoleQueries:
        from newsletter.service.console import ConsoleQueries

        return ConsoleQueries(self.ctx)

    @cached_property
    def search(self) -> SearchService:
        from newsletter.service.search import SearchService

        return SearchService(self.ctx)

    @cached_property
    def assemblies(self) -> AssembliesService:
        from newsletter.service.assemblies import AssembliesService

        return AssembliesService(self.ctx, self.delivery)

    @cached_property
    def moderation(self) -> ModerationService:
        from newsletter.service.moderation import ModerationService

        return ModerationService(self.ctx, self.notices)

    @cached_property
    def submissions(self) -> SubmissionsService:
        from newsletter.service.submissions import SubmissionsService

        return SubmissionsService(
            self.ctx, self.editorial, self.notices, self.limits, self.moderation
        )

    @cached_property
    def subscriptions(self) -> SubscriptionsService:
        from newsletter.service.subscriptions import SubscriptionsService

        return SubscriptionsService(self.ctx, self.audience, self.notices, self.limits)

    @cached_property
    def intake(self) -> IntakeService:
        from newsletter.service.intake import IntakeService

        return IntakeService(self.ctx, self.delivery, self.notices, lists=lambda: self.lists)

    @cached_property
    def lists(self) -> ListsService:
        from newsletter.service.lists import ListsService

        return ListsService.of(self.ctx, lambda: self.audience.segments()[0], self.notices)

    @cached_property
    def list_relays(self) -> ListRelays:
        from newsletter.service.list_relays import ListRelays

        return ListRelays(self.ctx)

    @cached_property
    def list_reports(self) -> ListReports:
        from newsletter.service.list_reports import ListReports

        return ListReports(self.ctx)

    @cached_property
    def clicks(self) -> ClicksService:
        from newsletter.service.clicks import ClicksService

        return ClicksService(self.ctx)

    @cached_property
    def reports(self) -> ReportsService:
        from newsletter.service.reports import ReportsService

        return ReportsService(self.ctx)

    @cached_property
    def list_archive(self) -> ListArchiveService:
        from newsletter.service.list_archive import ListArchiveService

        return ListArchiveService(self.ctx, self.audience)

    @cached_property
    def list_digests(self) -> ListDigestsService:
        from newsletter.service.list_digests import ListDigestsService

        return ListDigestsService(self.ctx, self.audience, self.notices)
