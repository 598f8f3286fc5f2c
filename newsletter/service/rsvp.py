"""Answers to AG invitations (RSVP) and their summary for the coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from newsletter import links
from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly
from newsletter.store.web import RsvpAnswer
from newsletter.tokens import verify

MAX_PEOPLE = 20


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
    attending: bool | None
    people: int
    comment: str


@dataclass(frozen=True)
class RsvpRow:
    name: str
    email: str
    organisation: str
    attending: bool
    people: int
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


class RsvpService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def url(self, assembly_id: int, subscriber_id: int) -> str:
        return links.rsvp_url(self.ctx.settings, assembly_id, subscriber_id)

    def _ids(self, token: str) -> tuple[int, int]:
        payload = verify(self.ctx.settings, links.RSVP, token)
        try:
            return int(payload["a"]), int(payload["s"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(N_("This link is not valid.")) from error

    def target(self, token: str) -> RsvpTarget:
        assembly_id, subscriber_id = self._ids(token)
        with self.ctx.db.session() as session:
            assembly = session.get(Assembly, assembly_id)
            subscriber = session.get(Subscriber, subscriber_id)
            if assembly is None or subscriber is None:
                raise NotFoundError(N_("This invitation no longer exists."))
            answer = session.scalar(
                select(RsvpAnswer).where(
                    RsvpAnswer.assembly_id == assembly_id,
                    RsvpAnswer.subscriber_id == subscriber_id,
                )
            )
            org = subscriber.organisation
            return RsvpTarget(
                assembly_id=assembly.id,
                subscriber_id=subscriber.id,
                email=subscriber.email,
                name=subscriber.name,
                organisation=org.name if org else "",
                membership=subscriber.membership.value,
                assembly_title=assembly.title,
                starts_at=assembly.starts_at,
                ends_at=assembly.ends_at,
                place=assembly.place,
                video_url=assembly.video_url,
                agenda=list(assembly.agenda or []),
                cancelled=assembly.cancelled,
                attending=answer.attending if answer else None,
                people=answer.people if answer else 1,
                comment=answer.comment if answer else "",
            )

    def answer(self, token: str, attending: bool, people: int = 1, comment: str = "") -> None:
        """Record (or change) the answer carried by a signed RSVP link."""
        assembly_id, subscriber_id = self._ids(token)
        if attending and not 1 <= people <= MAX_PEOPLE:
            raise ValidationError(
                N_("The number of people must be between 1 and {n}."), n=MAX_PEOPLE
            )
        with self.ctx.db.session() as session:
            assembly = session.get(Assembly, assembly_id)
            if assembly is None or session.get(Subscriber, subscriber_id) is None:
                raise NotFoundError(N_("This invitation no longer exists."))
            if assembly.cancelled:
                raise ValidationError(N_("This assembly has been cancelled."))
            row = session.scalar(
                select(RsvpAnswer).where(
                    RsvpAnswer.assembly_id == assembly_id,
                    RsvpAnswer.subscriber_id == subscriber_id,
                )
            )
            if row is None:
                row = RsvpAnswer(assembly_id=assembly_id, subscriber_id=subscriber_id)
                session.add(row)
            row.attending = attending
            row.people = people if attending else 0
            row.comment = comment.strip()[:2000]
            row.answered_at = utcnow()

    def summary(self, assembly_id: int) -> RsvpSummary:
        """Every answer, and "N people representing M organisations"."""
        with self.ctx.db.session() as session:
            query = (
                select(RsvpAnswer, Subscriber, Organisation)
                .join(Subscriber, Subscriber.id == RsvpAnswer.subscriber_id)
                .outerjoin(Organisation, Organisation.id == Subscriber.organisation_id)
                .where(RsvpAnswer.assembly_id == assembly_id)
                .order_by(RsvpAnswer.attending.desc(), Subscriber.email_key)
            )
            rows: list[RsvpRow] = []
            organisations: set[int] = set()
            people = declined = 0
            for answer, subscriber, org in session.execute(query):
                rows.append(
                    RsvpRow(
                        name=subscriber.name,
                        email=subscriber.email,
                        organisation=org.name if org else "",
                        attending=answer.attending,
                        people=answer.people,
                        comment=answer.comment,
                        answered_at=answer.answered_at,
                    )
                )
                if answer.attending:
                    people += answer.people
                    if org is not None:
                        organisations.add(org.id)
                else:
                    declined += 1
            return RsvpSummary(assembly_id, rows, people, len(organisations), declined)
