"""Who takes part in an AG: answers (yes / no / proxy), proxies, quorum, the unanswered.

Answers are given by people (subscribers); an organisation's standing follows from its
people's answers: "yes" when one of them comes, else "proxy" when one gave the
organisation's vote to another full member organisation, else "no" when one declined.
Only full members (effectifs) vote, so only they give or hold proxies; one
organisation holds at most ``Assembly.proxy_limit`` proxies (1 unless the coordinator
sets another limit). Before the AG, "present" means "said it comes"; once the check-in
at the door has begun, it means "ticked present".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.audience.normalize import name_key
from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.models import Membership, RsvpChoice
from newsletter.store.assemblies import Attendance
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly
from newsletter.store.web import RsvpAnswer

MAX_PEOPLE = 20
MEMBER_KINDS = (Membership.full, Membership.associate)


@dataclass(frozen=True)
class Standing:
    """What one organisation answered so far, and whether it is (or will be) there."""

    organisation_id: int
    name: str
    membership: str
    #: "yes", "no", "proxy", or None when nobody of it answered
    choice: str | None
    #: people announced (sum of the "yes" answers)
    people: int
    proxy_to_id: int | None
    proxy_to: str
    present: bool

    @property
    def votes(self) -> bool:
        return self.membership == Membership.full.value


@dataclass(frozen=True)
class Quorum:
    effectifs: int
    required: int
    voting_present: int
    voting_represented: int

    @property
    def reached(self) -> bool:
        return self.voting_present + self.voting_represented >= self.required


def closes_at(assembly: Assembly) -> datetime:
    """Answers can be changed until then."""
    return assembly.rsvp_closes_at or assembly.starts_at


def check_in_started(session: Session, assembly_id: int) -> bool:
    return (
        session.scalar(select(Attendance.id).where(Attendance.assembly_id == assembly_id).limit(1))
        is not None
    )


def standings(session: Session, assembly: Assembly) -> list[Standing]:
    """Every member organisation (and any other whose people answered), by name."""
    organisations = {
        org.id: org
        for org in session.scalars(
            select(Organisation).where(Organisation.membership.in_(MEMBER_KINDS))
        )
    }
    answers: dict[int, list[RsvpAnswer]] = {}
    query = (
        select(RsvpAnswer, Subscriber)
        .join(Subscriber, Subscriber.id == RsvpAnswer.subscriber_id)
        .where(RsvpAnswer.assembly_id == assembly.id, Subscriber.organisation_id.is_not(None))
        .order_by(RsvpAnswer.answered_at, RsvpAnswer.id)
    )
    for answer, subscriber in session.execute(query):
        assert subscriber.organisation_id is not None
        answers.setdefault(subscriber.organisation_id, []).append(answer)
        if subscriber.organisation is not None:
            organisations.setdefault(subscriber.organisation_id, subscriber.organisation)
    attended: set[int] | None = None
    if check_in_started(session, assembly.id):
        attended = set()
        rows = session.execute(
            select(Attendance.organisation_id, Subscriber.organisation_id)
            .outerjoin(Subscriber, Subscriber.id == Attendance.subscriber_id)
            .where(Attendance.assembly_id == assembly.id, Attendance.present.is_(True))
        )
        for own, through_subscriber in rows:
            for org_id in (own, through_subscriber):
                if org_id is not None:
                    attended.add(org_id)
                    if org_id not in organisations:
                        found = session.get(Organisation, org_id)
                        if found is not None:
                            organisations[org_id] = found
    result = []
    for org_id, org in organisations.items():
        given = answers.get(org_id, [])
        coming = [a for a in given if a.choice == RsvpChoice.yes.value]
        proxies = [a for a in given if a.choice == RsvpChoice.proxy.value]
        choice: str | None = None
        proxy_to_id: int | None = None
        if coming:
            choice = RsvpChoice.yes.value
        elif proxies:
            choice = RsvpChoice.proxy.value
            proxy_to_id = proxies[-1].proxy_to_id
        elif given:
            choice = RsvpChoice.no.value
        holder = organisations.get(proxy_to_id) if proxy_to_id is not None else None
        if holder is None and proxy_to_id is not None:
            holder = session.get(Organisation, proxy_to_id)
        present = bool(coming) if attended is None else org_id in attended
        result.append(
            Standing(
                organisation_id=org_id,
                name=org.name,
                membership=org.membership.value,
                choice=choice,
                people=sum(a.people for a in coming),
                proxy_to_id=proxy_to_id,
                proxy_to=holder.name if holder is not None else "",
                present=present,
            )
        )
    return sorted(result, key=lambda s: s.name.casefold())


def proxies_held(rows: list[Standing], holder_id: int, *, besides: int | None = None) -> int:
    """Organisations (other than ``besides``) whose proxy ``holder_id`` holds."""
    return sum(
        1
        for s in rows
        if s.choice == RsvpChoice.proxy.value
        and s.proxy_to_id == holder_id
        and s.organisation_id != besides
    )


def quorum(rows: list[Standing], share: float) -> Quorum:
    """Full members present, and those represented through a present holder's proxy."""
    voting = [s for s in rows if s.votes]
    by_id = {s.organisation_id: s for s in voting}
    present = sum(1 for s in voting if s.present)
    represented = 0
    for s in voting:
        if s.present or s.choice != RsvpChoice.proxy.value or s.proxy_to_id is None:
            continue
        holder = by_id.get(s.proxy_to_id)
        if holder is not None and holder.present:
            represented += 1
    required = min(len(voting), int(len(voting) * share) + 1) if voting else 0
    return Quorum(len(voting), required, present, represented)


def not_answered(rows: list[Standing]) -> list[Standing]:
    return [s for s in rows if s.choice is None]


def record_answer(
    session: Session,
    assembly: Assembly,
    subscriber: Subscriber,
    choice: RsvpChoice,
    *,
    people: int = 1,
    proxy_to: Organisation | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> RsvpAnswer:
    """Record (or change) one person's answer, with the rules of proxies and closing."""
    if assembly.cancelled:
        raise ValidationError(N_("This assembly has been cancelled."))
    if (now or utcnow()) >= closes_at(assembly):
        raise ValidationError(N_("Answers to this assembly are closed."))
    if choice is RsvpChoice.yes and not 1 <= people <= MAX_PEOPLE:
        raise ValidationError(N_("The number of people must be between 1 and {n}."), n=MAX_PEOPLE)
    own = subscriber.organisation
    if choice is RsvpChoice.proxy:
        _check_proxy(session, assembly, own, proxy_to)
    row = session.scalar(
        select(RsvpAnswer).where(
            RsvpAnswer.assembly_id == assembly.id, RsvpAnswer.subscriber_id == subscriber.id
        )
    )
    if row is None:
        row = RsvpAnswer(assembly_id=assembly.id, subscriber_id=subscriber.id)
        session.add(row)
    row.choice = choice.value
    row.attending = choice is RsvpChoice.yes
    row.people = people if choice is RsvpChoice.yes else 0
    row.proxy_to_id = proxy_to.id if choice is RsvpChoice.proxy and proxy_to else None
    row.comment = comment.strip()[:2000]
    row.answered_at = now or utcnow()
    session.flush()
    return row


def _check_proxy(
    session: Session,
    assembly: Assembly,
    own: Organisation | None,
    holder: Organisation | None,
) -> None:
    if own is None or own.membership is not Membership.full:
        raise ValidationError(
            N_("Only full member organisations vote, so only they can give a proxy.")
        )
    if holder is None:
        raise ValidationError(N_("Say which organisation receives the proxy."))
    if holder.id == own.id:
        raise ValidationError(N_("An organisation cannot give its proxy to itself."))
    if holder.membership is not Membership.full:
        raise ValidationError(
            N_("{organisation} is not a full member organisation: it cannot hold a proxy."),
            organisation=holder.name,
        )
    rows = standings(session, assembly)
    held = next((s for s in rows if s.organisation_id == holder.id), None)
    if held is not None and held.choice == RsvpChoice.proxy.value:
        raise ValidationError(
            N_("{organisation} has itself given its proxy: choose another organisation."),
            organisation=holder.name,
        )
    limit = max(0, assembly.proxy_limit)
    if proxies_held(rows, holder.id, besides=own.id) >= limit:
        raise ValidationError(
            N_(
                "{organisation} already holds as many proxies as one organisation may "
                "hold at this assembly ({limit}): choose another organisation."
            ),
            organisation=holder.name,
            limit=limit,
        )


def find_organisation(session: Session, name_or_id: str) -> Organisation | None:
    """An organisation by id or by its name (case- and accent-insensitive)."""
    text = name_or_id.strip()
    if text.isdigit():
        return session.get(Organisation, int(text))
    return session.scalar(select(Organisation).where(Organisation.name_key == name_key(text)))
