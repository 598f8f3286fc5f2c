"""Consent and status of a subscriber: every status change goes through ``set_status``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from newsletter.errors import InvalidTransitionError, NotFoundError
from newsletter.i18n import N_
from newsletter.models import SubscriberStatus as S
from newsletter.store.audience import ConsentEvent, ListOptOut, Subscriber

ALLOWED: dict[S, frozenset[S]] = {
    S.pending: frozenset({S.active, S.unsubscribed, S.blocked}),
    S.active: frozenset({S.unsubscribed, S.bounced, S.blocked}),
    # coming back takes an explicit act: the subscriber re-subscribing (double opt-in)
    # or the coordinator; never an import
    S.unsubscribed: frozenset({S.pending, S.active, S.blocked}),
    S.bounced: frozenset({S.active, S.unsubscribed, S.blocked}),
    S.blocked: frozenset({S.active, S.unsubscribed}),
}


def set_status(
    subscriber: Subscriber,
    to: S,
    *,
    reason: str,
    at: datetime,
    source: str = "",
    actor: str = "",
) -> bool:
    """Change the status (False when it already was ``to``); records why and when, and
    keeps the change as a ``ConsentEvent`` (the evidence shown on the person's page).

    Becoming ``active`` records the consent (``source``, time).
    """
    if subscriber.status is to:
        return False
    if to not in ALLOWED[subscriber.status]:
        raise InvalidTransitionError(
            N_("{email} cannot go from {current} to {target}."),
            email=subscriber.email,
            current=subscriber.status.value,
            target=to.value,
        )
    previous = subscriber.status
    subscriber.status = to
    subscriber.status_reason = reason
    subscriber.status_changed_at = at
    if to is S.active:
        subscriber.consent_source = source or reason
        subscriber.consent_at = at
        subscriber.bounce_count = 0
    session = object_session(subscriber)
    if session is not None:
        session.add(
            ConsentEvent(
                subscriber=subscriber, status=to.value, previous=previous.value,
                source=(source or reason)[:200], actor=actor[:320], reason=reason, at=at,
            )
        )  # fmt: skip
    return True


def find_by_email(session: Session, email: str) -> Subscriber | None:
    return session.scalar(
        select(Subscriber).where(Subscriber.email_key == email.strip().casefold())
    )


def get_by_email(session: Session, email: str) -> Subscriber:
    subscriber = find_by_email(session, email)
    if subscriber is None:
        raise NotFoundError(N_("No subscriber with the address {email}."), email=email)
    return subscriber


def unsubscribe(
    session: Session, subscriber: Subscriber, *, list_id: str | None, reason: str, at: datetime
) -> bool:
    """Leave one list (an opt-out row) or everything (status ``unsubscribed``).

    Takes effect at once; returns False when nothing changed.
    """
    if list_id is None:
        if subscriber.status is S.unsubscribed:
            return False
        return set_status(subscriber, S.unsubscribed, reason=reason, at=at)
    exists = session.scalar(
        select(ListOptOut.id).where(
            ListOptOut.subscriber_id == subscriber.id, ListOptOut.list_id == list_id
        )
    )
    if exists is not None:
        return False
    session.add(ListOptOut(subscriber_id=subscriber.id, list_id=list_id, created_at=at))
    return True


def resubscribe_list(session: Session, subscriber: Subscriber, list_id: str) -> bool:
    """Undo a per-list opt-out (the subscriber's own choice on the preferences page)."""
    optout = session.scalar(
        select(ListOptOut).where(
            ListOptOut.subscriber_id == subscriber.id, ListOptOut.list_id == list_id
        )
    )
    if optout is None:
        return False
    session.delete(optout)
    return True


def record_bounce(
    subscriber: Subscriber, *, hard: bool, reason: str, limit: int, at: datetime
) -> bool:
    """Count a bounce; a hard bounce, or ``limit`` soft ones, mark the subscriber bounced.

    Returns True when the subscriber became ``bounced``.
    """
    subscriber.bounce_count += 1
    if subscriber.status is not S.active:
        return False
    if hard or subscriber.bounce_count >= limit:
        return set_status(subscriber, S.bounced, reason=reason, at=at)
    return False
