"""Organisations that leave the network, and come back: the day, kept as history.

An organisation that leaves keeps its row, its people and its past figures; it gets
``left_on`` (the last day of its membership) and an ``OrganisationEvent`` ("left", that
day). Coming back clears ``left_on`` and adds a "returned" event: the history stays, so
the yearly activity report still lists the departures of a year after the return.
Correcting the day of a departure changes the day of that departure's event, it adds
no second departure. From the day after ``left_on`` its people count as people of no
member organisation (``membership_on``): members' lists no longer reach them.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.errors import ValidationError
from newsletter.i18n import N_
from newsletter.models import Membership
from newsletter.store.audience import Organisation, OrganisationEvent

LEFT = "left"
RETURNED = "returned"
DEFAULT_ZONE = "Europe/Brussels"


def today(zone: str = DEFAULT_ZONE) -> date:
    """The day it is where the network lives (not the server's own clock zone): a
    departure takes effect on the Brussels day after ``left_on``."""
    return datetime.now(ZoneInfo(zone)).date()


def _last_event(session: Session, organisation_id: int) -> OrganisationEvent | None:
    return session.scalars(
        select(OrganisationEvent)
        .where(OrganisationEvent.organisation_id == organisation_id)
        .order_by(OrganisationEvent.day.desc(), OrganisationEvent.id.desc())
        .limit(1)
    ).first()


def record_departure(session: Session, org: Organisation, day: date, *, actor: str) -> None:
    """The organisation's membership ended on ``day`` (or that day is corrected)."""
    if day < org.created_at.date():
        raise ValidationError(
            N_("An organisation cannot leave before it was recorded ({day})."),
            day=org.created_at.date().isoformat(),
        )
    last = _last_event(session, org.id)
    if org.left_on is not None and last is not None and last.kind == LEFT:
        last.day, last.actor = day, actor[:320]
    else:
        if last is not None and day < last.day:
            raise ValidationError(
                N_("The day of leaving cannot be before its return on {day}."),
                day=last.day.isoformat(),
            )
        session.add(
            OrganisationEvent(organisation_id=org.id, kind=LEFT, day=day, actor=actor[:320])
        )
    org.left_on = day


def record_return(session: Session, org: Organisation, day: date, *, actor: str) -> None:
    """The organisation is a member again from ``day``."""
    if org.left_on is None:
        raise ValidationError(N_("This organisation has not left the network."))
    if day < org.left_on:
        raise ValidationError(
            N_("It cannot come back before it left ({day})."), day=org.left_on.isoformat()
        )
    session.add(
        OrganisationEvent(organisation_id=org.id, kind=RETURNED, day=day, actor=actor[:320])
    )
    org.left_on = None


def has_left(org: Organisation | None, today: date) -> bool:
    return org is not None and org.left_on is not None and org.left_on < today


def membership_on(org: Organisation | None, today: date) -> Membership:
    """The organisation's membership on ``today``: none once it has left."""
    if org is None or has_left(org, today):
        return Membership.none
    return org.membership


def events_between(
    session: Session, kind: str, start: date, end: date
) -> list[tuple[int, str, date]]:
    """(organisation id, name, day) of the departures or returns in [start, end)."""
    rows = session.execute(
        select(OrganisationEvent.organisation_id, Organisation.name, OrganisationEvent.day)
        .join(Organisation, Organisation.id == OrganisationEvent.organisation_id)
        .where(
            OrganisationEvent.kind == kind,
            OrganisationEvent.day >= start,
            OrganisationEvent.day < end,
        )
        .order_by(OrganisationEvent.day, Organisation.name)
    ).all()
    return [(int(i), str(n), d) for i, n, d in rows]


def out_on(session: Session, day: date) -> set[int]:
    """Organisations out of the network on ``day``: their last event before it is a
    departure (its membership ended before ``day``)."""
    last: dict[int, str] = {}
    for organisation_id, kind in session.execute(
        select(OrganisationEvent.organisation_id, OrganisationEvent.kind)
        .where(OrganisationEvent.day < day)
        .order_by(OrganisationEvent.day, OrganisationEvent.id)
    ):
        last[int(organisation_id)] = str(kind)
    return {org_id for org_id, kind in last.items() if kind == LEFT}
