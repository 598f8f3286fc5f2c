"""Answers to AG invitations (RSVP): yes, no or a proxy; their summary for the coordinator.

The signed link of the e-mail (web) and ``assembly rsvp`` (CLI, by e-mail address) record
answers through the same rules (``editorial.participation.record_answer``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter import links, versions
from newsletter.context import Context
from newsletter.editorial import participation as part
from newsletter.errors import ConfigurationError, DeliveryError, NotFoundError, ValidationError
from newsletter.i18n import N_, known_language
from newsletter.models import Membership, RsvpChoice
from newsletter.service.notices import NoticesService
from newsletter.service.rsvp_mail import rsvp_confirmation
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly, RsvpAnswer
from newsletter.tokens import verify

MAX_PEOPLE = part.MAX_PEOPLE
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """A full member organisation that can receive a proxy."""

    id: int
    name: str


@dataclass(frozen=True)
class RsvpTarget:
    """Who answers what, from a signed RSVP link."""

    assembly_id: int
    subscriber_id: int
    email: str
    name: str
    organisation: str
    #: the organisation's membership kind: "effectif" votes, "adherent" does not, "none"
    membership: str
    assembly_title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    video_url: str
    agenda: list[str]
    cancelled: bool
    #: this person's own answer: "yes", "no", "proxy" or None
    choice: str | None
    attending: bool | None
    people: int
    comment: str
    proxy_to_id: int | None
    #: answers can be changed until then
    closes_at: datetime
    closed: bool
    #: what the organisation answered so far (all its people together)
    organisation_choice: str | None
    organisation_people: int
    organisation_proxy_to: str
    #: organisations that may receive this organisation's proxy
    holders: list[Holder]

    @property
    def may_give_proxy(self) -> bool:
        return self.membership == Membership.full.value


@dataclass(frozen=True)
class RsvpRow:
    name: str
    email: str
    organisation: str
    choice: str
    attending: bool
    people: int
    proxy_to: str
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class RsvpSummary:
    assembly_id: int
    rows: list[RsvpRow]
    #: people coming (each answer counts its ``people``)
    people: int
    #: distinct organisations represented by those coming
    organisations: int
    declined: int
    proxies: int


def _holders(session: Session, own: Organisation | None) -> list[Holder]:
    if own is None or own.membership is not Membership.full:
        return []
    rows = session.scalars(
        select(Organisation)
        .where(Organisation.membership == Membership.full, Organisation.id != own.id)
        .order_by(Organisation.name_key)
    )
    return [Holder(org.id, org.name) for org in rows]


class RsvpService:
    def __init__(self, ctx: Context, notices: NoticesService | None = None) -> None:
        self.ctx = ctx
        #: sends the confirmation of each answer (none: no confirmation)
        self.notices = notices

    def _confirm(self, message: EmailMessage | None, to: str) -> None:
        """Send the confirmation of an answer once it is recorded; a refused or
        impossible sending is logged, the answer stays recorded."""
        if message is None or self.notices is None:
            return
        if not self.ctx.settings.smtp_host:
            log.info("RSVP confirmation to %s not sent: no SMTP server configured", to)
            return
        try:
            self.notices.send_raw(message.as_bytes(policy=SMTP), to)
        except (DeliveryError, ConfigurationError) as error:
            log.warning("RSVP confirmation to %s not sent: %s", to, error.localized())
        except OSError as error:
            log.warning("RSVP confirmation to %s not sent: %s", to, error)

    def url(self, assembly_id: int, subscriber_id: int) -> str:
        return links.rsvp_url(self.ctx.settings, assembly_id, subscriber_id)

    def _ids(self, token: str) -> tuple[int, int]:
        payload = verify(self.ctx.settings, links.RSVP, token)
        try:
            return int(payload["a"]), int(payload["s"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(N_("This link is not valid.")) from error

    @staticmethod
    def _load(
        session: Session, assembly_id: int, subscriber_id: int
    ) -> tuple[Assembly, Subscriber]:
        assembly = session.get(Assembly, assembly_id)
        subscriber = session.get(Subscriber, subscriber_id)
        if assembly is None or subscriber is None:
            raise NotFoundError(N_("This invitation no longer exists."))
        return assembly, subscriber

    def target(self, token: str) -> RsvpTarget:
        assembly_id, subscriber_id = self._ids(token)
        with self.ctx.db.session() as session:
            return self._target(session, assembly_id, subscriber_id)

    def _target(self, session: Session, assembly_id: int, subscriber_id: int) -> RsvpTarget:
        assembly, subscriber = self._load(session, assembly_id, subscriber_id)
        answer = session.scalar(
            select(RsvpAnswer).where(
                RsvpAnswer.assembly_id == assembly_id,
                RsvpAnswer.subscriber_id == subscriber_id,
            )
        )
        org = subscriber.organisation
        standing = None
        if org is not None:
            standing = next(
                (s for s in part.standings(session, assembly) if s.organisation_id == org.id),
                None,
            )
        closes = part.closes_at(assembly)
        # the AG's texts in the person's language (else the other version)
        shown = versions.shown_language(assembly, known_language(subscriber.language))
        return RsvpTarget(
            assembly_id=assembly.id,
            subscriber_id=subscriber.id,
            email=subscriber.email,
            name=subscriber.name,
            organisation=org.name if org else "",
            membership=subscriber.membership.value,
            assembly_title=str(versions.field_in(assembly, "title", shown)),
            starts_at=assembly.starts_at,
            ends_at=assembly.ends_at,
            place=str(versions.pick(assembly, "place", shown)),
            video_url=assembly.video_url,
            agenda=[str(point) for point in versions.pick(assembly, "agenda", shown) or []],
            cancelled=assembly.cancelled,
            choice=answer.choice if answer else None,
            attending=answer.attending if answer else None,
            people=answer.people if answer and answer.people else 1,
            comment=answer.comment if answer else "",
            proxy_to_id=answer.proxy_to_id if answer else None,
            closes_at=closes,
            closed=utcnow() >= closes,
            organisation_choice=standing.choice if standing else None,
            organisation_people=standing.people if standing else 0,
            organisation_proxy_to=standing.proxy_to if standing else "",
            holders=_holders(session, org),
        )

    def answer(
        self,
        token: str,
        choice: RsvpChoice | bool,
        people: int = 1,
        comment: str = "",
        *,
        proxy_to: int | None = None,
        confirm: bool = True,
    ) -> None:
        """Record (or change) the answer carried by a signed RSVP link; the person gets
        its confirmation by e-mail (``confirm``)."""
        assembly_id, subscriber_id = self._ids(token)
        if isinstance(choice, bool):
            choice = RsvpChoice.yes if choice else RsvpChoice.no
        with self.ctx.db.session() as session:
            assembly, subscriber = self._load(session, assembly_id, subscriber_id)
            holder = session.get(Organisation, proxy_to) if proxy_to is not None else None
            part.record_answer(
                session, assembly, subscriber, choice,
                people=people, proxy_to=holder, comment=comment,
            )  # fmt: skip
            message = self._confirmation(assembly, subscriber, choice, people, holder, confirm)
            to = subscriber.email
        self._confirm(message, to)

    def _confirmation(
        self, assembly: Assembly, subscriber: Subscriber, choice: RsvpChoice, people: int,
        holder: Organisation | None, confirm: bool,
    ) -> EmailMessage | None:  # fmt: skip
        if not confirm or self.notices is None:
            return None
        return rsvp_confirmation(
            self.ctx.settings, assembly, subscriber, choice, people=people, holder=holder
        )

    def answer_for(
        self,
        assembly_id: int,
        email: str,
        choice: RsvpChoice,
        *,
        people: int = 1,
        proxy_to: str = "",
        comment: str = "",
        confirm: bool = True,
    ) -> RsvpTarget:
        """The same answer by e-mail address (``assembly rsvp``); returns the new state.
        The person gets the same confirmation by e-mail (``confirm``)."""
        with self.ctx.db.session() as session:
            subscriber = session.scalar(
                select(Subscriber).where(Subscriber.email_key == email.strip().lower())
            )
            if subscriber is None:
                raise NotFoundError(N_("No subscriber with the address {email}."), email=email)
            assembly, _ = self._load(session, assembly_id, subscriber.id)
            holder = None
            if choice is RsvpChoice.proxy and proxy_to.strip():
                holder = part.find_organisation(session, proxy_to)
                if holder is None:
                    raise NotFoundError(
                        N_("No organisation named {organisation}."), organisation=proxy_to
                    )
            part.record_answer(
                session, assembly, subscriber, choice,
                people=people, proxy_to=holder, comment=comment,
            )  # fmt: skip
            message = self._confirmation(assembly, subscriber, choice, people, holder, confirm)
            target = self._target(session, assembly_id, subscriber.id)
        self._confirm(message, target.email)
        return target

    def summary(self, assembly_id: int) -> RsvpSummary:
        """Every answer, and "N people representing M organisations"."""
        with self.ctx.db.session() as session:
            holder = Organisation.__table__.alias("holder")
            query = (
                select(RsvpAnswer, Subscriber, Organisation, holder.c.name)
                .join(Subscriber, Subscriber.id == RsvpAnswer.subscriber_id)
                .outerjoin(Organisation, Organisation.id == Subscriber.organisation_id)
                .outerjoin(holder, holder.c.id == RsvpAnswer.proxy_to_id)
                .where(RsvpAnswer.assembly_id == assembly_id)
                .order_by(RsvpAnswer.attending.desc(), Subscriber.email_key)
            )
            rows: list[RsvpRow] = []
            organisations: set[int] = set()
            people = declined = proxies = 0
            for answer, subscriber, org, holder_name in session.execute(query):
                rows.append(
                    RsvpRow(
                        name=subscriber.name,
                        email=subscriber.email,
                        organisation=org.name if org else "",
                        choice=answer.choice,
                        attending=answer.attending,
                        people=answer.people,
                        proxy_to=holder_name or "",
                        comment=answer.comment,
                        answered_at=answer.answered_at,
                    )
                )
                if answer.choice == RsvpChoice.yes.value:
                    people += answer.people
                    if org is not None:
                        organisations.add(org.id)
                elif answer.choice == RsvpChoice.proxy.value:
                    proxies += 1
                else:
                    declined += 1
            return RsvpSummary(assembly_id, rows, people, len(organisations), declined, proxies)
