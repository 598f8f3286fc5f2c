"""Who came to an AG: check-in at the door, walk-ins, the record and its CSV.

The record gives the line of the activity report, "N personnes représentant M
partenaires": N people ticked present, M distinct organisations they came for (a
walk-in whose organisation is not in the directory counts by the name given).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from newsletter.audience.directory import spreadsheet_safe
from newsletter.audience.normalize import name_key
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import N_
from newsletter.models import RsvpChoice, SubscriberStatus
from newsletter.store.assemblies import Attendance
from newsletter.store.audience import Organisation, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.editorial import Assembly
from newsletter.store.web import RsvpAnswer
from newsletter.text import one_line

SEARCH_LIMIT = 30
CSV_COLUMNS = ("organisation", "membership", "name", "email", "present", "walk_in")


@dataclass(frozen=True)
class Person:
    """One line of the check-in page."""

    subscriber_id: int | None
    attendance_id: int | None
    name: str
    email: str
    organisation: str
    membership: str
    #: what they answered: "yes", "no", "proxy" or ""
    answer: str
    people: int
    present: bool | None
    walk_in: bool = False


@dataclass(frozen=True)
class OrganisationRecord:
    name: str
    membership: str
    people: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AttendanceRecord:
    assembly_id: int
    people: int
    organisations: int
    by_organisation: list[OrganisationRecord]


def _subscriber(session: Session, email: str) -> Subscriber:
    found = session.scalar(select(Subscriber).where(Subscriber.email_key == email.strip().lower()))
    if found is None:
        raise NotFoundError(N_("No subscriber with the address {email}."), email=email)
    return found


def mark(session: Session, assembly: Assembly, email: str, present: bool = True) -> Attendance:
    """Tick a person present (or absent) at the door."""
    subscriber = _subscriber(session, email)
    row = session.scalar(
        select(Attendance).where(
            Attendance.assembly_id == assembly.id, Attendance.subscriber_id == subscriber.id
        )
    )
    if row is None:
        row = Attendance(assembly_id=assembly.id, subscriber_id=subscriber.id)
        session.add(row)
    row.organisation_id = subscriber.organisation_id
    row.name = subscriber.name
    row.email = subscriber.email
    row.present = present
    row.at = utcnow()
    session.flush()
    return row


def mark_row(session: Session, assembly: Assembly, attendance_id: int, present: bool) -> None:
    """Tick (or untick) a walk-in already recorded."""
    row = session.get(Attendance, attendance_id)
    if row is None or row.assembly_id != assembly.id:
        raise NotFoundError(N_("No such person at this assembly."))
    row.present = present
    row.at = utcnow()


def walk_in(
    session: Session, assembly: Assembly, name: str, organisation: str = "", email: str = ""
) -> Attendance:
    """Someone walking in who did not answer (or is not in the directory)."""
    clean = one_line(name, 200)
    if not clean:
        raise ValidationError(N_("Give the name of the person who walks in."))
    address = one_line(email, 320)
    if address:
        known = session.scalar(select(Subscriber).where(Subscriber.email_key == address.lower()))
        if known is not None:
            return mark(session, assembly, known.email)
    org_text = one_line(organisation, 200)
    org = (
        session.scalar(select(Organisation).where(Organisation.name_key == name_key(org_text)))
        if org_text
        else None
    )
    row = Attendance(
        assembly_id=assembly.id,
        organisation_id=org.id if org else None,
        organisation_name="" if org else org_text,
        name=clean,
        email=address,
        present=True,
        walk_in=True,
    )
    session.add(row)
    session.flush()
    return row


def people(session: Session, assembly: Assembly, query: str = "") -> list[Person]:
    """The check-in list: those expected (answered yes) and those already at the door;
    with a search, anyone of the directory whose name, address or organisation matches."""
    answers = {
        a.subscriber_id: a
        for a in session.scalars(select(RsvpAnswer).where(RsvpAnswer.assembly_id == assembly.id))
    }
    rows = list(session.scalars(select(Attendance).where(Attendance.assembly_id == assembly.id)))
    by_subscriber = {r.subscriber_id: r for r in rows if r.subscriber_id is not None}
    text = query.strip()
    if text:
        like = f"%{text.lower()}%"
        key = f"%{name_key(text)}%"
        candidates = session.scalars(
            select(Subscriber)
            .outerjoin(Organisation, Organisation.id == Subscriber.organisation_id)
            .where(
                Subscriber.status == SubscriberStatus.active,
                or_(
                    Subscriber.email_key.like(like),
                    Subscriber.name.ilike(like),
                    Organisation.name_key.like(key),
                ),
            )
            .order_by(Subscriber.name, Subscriber.email_key)
            .limit(SEARCH_LIMIT)
        )
        subscribers = list(candidates)
    else:
        ids = {sid for sid, a in answers.items() if a.choice == RsvpChoice.yes.value}
        ids |= set(by_subscriber)
        subscribers = (
            list(session.scalars(select(Subscriber).where(Subscriber.id.in_(ids)))) if ids else []
        )
    result = []
    for subscriber in subscribers:
        answer = answers.get(subscriber.id)
        seen = by_subscriber.get(subscriber.id)
        org = subscriber.organisation
        result.append(
            Person(
                subscriber_id=subscriber.id,
                attendance_id=seen.id if seen else None,
                name=subscriber.name,
                email=subscriber.email,
                organisation=org.name if org else "",
                membership=org.membership.value if org else "none",
                answer=answer.choice if answer else "",
                people=answer.people if answer else 0,
                present=seen.present if seen else None,
            )
        )
    lowered = text.lower()
    for row in rows:
        if row.subscriber_id is not None:
            continue
        org_name = _organisation_name(session, row)
        if lowered and lowered not in f"{row.name} {row.email} {org_name}".lower():
            continue
        result.append(
            Person(
                subscriber_id=None,
                attendance_id=row.id,
                name=row.name,
                email=row.email,
                organisation=org_name,
                membership="",
                answer="",
                people=0,
                present=row.present,
                walk_in=True,
            )
        )
    return sorted(result, key=lambda p: (p.organisation.casefold(), p.name.casefold()))


def _organisation_name(session: Session, row: Attendance) -> str:
    if row.organisation_id is not None:
        org = session.get(Organisation, row.organisation_id)
        if org is not None:
            return org.name
    return row.organisation_name


def record(session: Session, assembly: Assembly) -> AttendanceRecord:
    """Who came, by organisation."""
    groups: dict[str, OrganisationRecord] = {}
    count = 0
    rows = session.scalars(
        select(Attendance)
        .where(Attendance.assembly_id == assembly.id, Attendance.present.is_(True))
        .order_by(Attendance.name)
    )
    for row in rows:
        count += 1
        org = session.get(Organisation, row.organisation_id) if row.organisation_id else None
        name = org.name if org else row.organisation_name
        key = name_key(name) if name else f"\0{row.id}"
        group = groups.setdefault(
            key, OrganisationRecord(name, org.membership.value if org else "none")
        )
        group.people.append(row.name or row.email)
    named = [g for key, g in groups.items() if not key.startswith("\0")]
    ordered = sorted(named, key=lambda g: g.name.casefold())
    ordered += [g for key, g in groups.items() if key.startswith("\0")]
    return AttendanceRecord(assembly.id, count, len(named), ordered)


def to_csv(session: Session, assembly: Assembly) -> bytes:
    """Everyone at the door as CSV (UTF-8 with BOM, ``;``), formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for person in people(session, assembly):
        if person.present is None:
            continue
        writer.writerow(
            [
                spreadsheet_safe(person.organisation),
                person.membership,
                spreadsheet_safe(person.name),
                spreadsheet_safe(person.email),
                "yes" if person.present else "no",
                "yes" if person.walk_in else "no",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
