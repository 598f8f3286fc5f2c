"""What an issue caused after it went out: unsubscribes, complaints, disabled addresses.

An unsubscribe (from every list, or an opt-out of one) is the issue's when the issue was
the last one the person received before leaving; a complaint is an unsubscribe recorded
with the source ``complaint``. Each query starts from the few people who left or bounced
(the subscribers' status index) and looks their deliveries up, never from the issue's
thousands of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, exists, func, select
from sqlalchemy.orm import Session, aliased

from newsletter.models import DeliveryStatus as D
from newsletter.models import SubscriberStatus
from newsletter.store.audience import ListOptOut, Subscriber
from newsletter.store.delivery import Delivery

#: the unsubscribe source that records a complaint (a spam report of a recipient)
COMPLAINT = "complaint"


@dataclass(frozen=True, slots=True)
class Feedback:
    """What an issue caused after it went out."""

    unsubscribed: int
    complaints: int
    #: addresses the issue made ``bounced`` (hard bounce or last counted one)
    disabled: int


def feedback(session: Session, issue_id: int) -> Feedback:
    """Unsubscribes, complaints and disabled addresses caused by ``issue_id`` (SQL).

    Each query starts from the few people who left or bounced (the subscribers' status
    index) and looks their deliveries up, never from the issue's thousands of rows."""
    d = aliased(Delivery)
    later = aliased(Delivery)
    s: Table = Subscriber.__table__  # type: ignore[assignment]
    o: Table = ListOptOut.__table__  # type: ignore[assignment]

    def caused(subscriber_id: Any, moment: Any) -> Any:
        """The issue reached the subscriber before ``moment`` and no later issue did."""
        return (
            exists()
            .where(
                d.subscriber_id == subscriber_id,
                d.issue_id == issue_id,
                d.sent_at.is_not(None),
                d.sent_at <= moment,
                ~exists()
                .where(
                    later.subscriber_id == subscriber_id,
                    # through a function: the subscriber's index finds their few rows, the
                    # sent_at index would walk every later delivery of everybody
                    func.coalesce(later.sent_at, d.sent_at) > d.sent_at,
                    later.sent_at <= moment,
                )
                .correlate_except(later),
            )
            .correlate_except(d)
        )

    left = (
        select(s.c.status_reason, func.count())
        .where(
            s.c.status == SubscriberStatus.unsubscribed.value,
            caused(s.c.id, s.c.status_changed_at),
        )
        .group_by(s.c.status_reason)
    )
    unsubscribed = complaints = 0
    for reason, number in session.execute(left).all():
        if reason == COMPLAINT:
            complaints += int(number)
        else:
            unsubscribed += int(number)
    opted_out = session.execute(
        select(func.count(func.distinct(o.c.subscriber_id)))
        .select_from(o.join(s, s.c.id == o.c.subscriber_id))
        .where(
            s.c.status != SubscriberStatus.unsubscribed.value,
            caused(o.c.subscriber_id, o.c.created_at),
        )
    ).scalar_one()
    disabled = session.execute(
        select(func.count()).where(
            s.c.status == SubscriberStatus.bounced.value,
            exists().where(
                d.subscriber_id == s.c.id,
                d.issue_id == issue_id,
                d.status.in_([D.failed_permanent, D.bounced]),
                d.created_at <= s.c.status_changed_at,
            ),
        )
    ).scalar_one()
    return Feedback(
        unsubscribed=unsubscribed + int(opted_out),
        complaints=complaints,
        disabled=int(disabled),
    )
