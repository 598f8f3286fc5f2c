"""What the network holds about one person: exported whole, or erased.

Erasing keeps the deliveries (so that every send report keeps its true counts) but
anonymised: no address, no name, no server reply, and a subscriber number that points to
nobody. Everything else about the person is deleted, or loses the person's name and
address (an attendance list keeps its count)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from newsletter.store.assemblies import Attendance
from newsletter.store.audience import ListOptOut, Subscriber
from newsletter.store.delivery import Delivery
from newsletter.store.web import RsvpAnswer, SubscriptionConfirmation


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_person(session: Session, subscriber: Subscriber) -> dict[str, Any]:
    """Every record about the person, as plain JSON-ready data."""
    org = subscriber.organisation
    deliveries = session.scalars(
        select(Delivery).where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)
    ).all()
    optouts = session.scalars(
        select(ListOptOut.list_id).where(ListOptOut.subscriber_id == subscriber.id)
    ).all()
    answers = session.scalars(
        select(RsvpAnswer).where(RsvpAnswer.subscriber_id == subscriber.id)
    ).all()
    attendance = session.scalars(
        select(Attendance).where(Attendance.subscriber_id == subscriber.id)
    ).all()
    confirmations = session.scalars(
        select(SubscriptionConfirmation).where(
            SubscriptionConfirmation.subscriber_id == subscriber.id
        )
    ).all()
    return {
        "person": {
            "email": subscriber.email, "name": subscriber.name,
            "language": subscriber.language.value,
            "language_chosen_by_the_person": subscriber.language_chosen,
            "groups": list(subscriber.groups), "roles": list(subscriber.roles),
            "status": subscriber.status.value, "status_reason": subscriber.status_reason,
            "status_changed_at": _iso(subscriber.status_changed_at),
            "bounce_count": subscriber.bounce_count,
            "created_at": _iso(subscriber.created_at), "updated_at": _iso(subscriber.updated_at),
        },
        "consent": {"source": subscriber.consent_source, "at": _iso(subscriber.consent_at)},
        "organisation": None if org is None else {
            "name": org.name, "membership": org.membership.value, "sector": org.sector,
            "website": org.website,
        },
        "lists_left": sorted(optouts),
        "deliveries": [
            {"issue_id": d.issue_id, "email": d.email, "status": d.status.value,
             "sent_at": _iso(d.sent_at), "last_reply": d.last_reply}
            for d in deliveries
        ],
        "assembly_answers": [
            {"assembly_id": a.assembly_id, "choice": a.choice} for a in answers
        ],
        "assembly_attendance": [
            {"assembly_id": a.assembly_id, "present": a.present} for a in attendance
        ],
        "confirmation_links": [
            {"sent_at": _iso(c.sent_at), "used_at": _iso(c.used_at)} for c in confirmations
        ],
    }  # fmt: skip


def erase_person(session: Session, subscriber: Subscriber) -> int:
    """Erase the person; returns the number of deliveries kept anonymised."""
    subscriber_id = subscriber.id
    kept = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.subscriber_id == subscriber_id)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .values(subscriber_id=-Delivery.id, email="", name="", last_reply="", message_id="")
    )
    session.execute(
        update(Attendance)
        .where(Attendance.subscriber_id == subscriber_id)
        .values(subscriber_id=None, name="", email="")
    )
    for table in (RsvpAnswer, SubscriptionConfirmation, ListOptOut):
        session.execute(delete(table).where(table.subscriber_id == subscriber_id))
    session.expunge(subscriber)
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))
    return int(kept or 0)
