"""Bounces and list hygiene: the addresses that bounce or fail, and what the coordinator
does about them (reactivate with a reason, fix the address, remove the person).

An address is listed when it is ``bounced`` or when it is still active with counted
failures. Its kind is *hard* when its last failure says the address does not exist
(``report.reasons.is_hard``), *soft* otherwise. Soft failures expire: an active address
with no new failure for ``BOUNCE_SOFT_EXPIRY_DAYS`` days has its count forgotten
(``expire_soft_bounces``, run before the list is read and once a day by the scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from newsletter.audience import gdpr, people, subscriptions
from newsletter.context import Context
from newsletter.errors import NotFoundError, ValidationError
from newsletter.i18n import DEFAULT_LANGUAGE, N_, gettext
from newsletter.models import DeliveryStatus as D
from newsletter.models import SubscriberStatus as S
from newsletter.report.reasons import MESSAGES, Reason, is_hard, reason_of
from newsletter.store.audience import Subscriber
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery

FAILED = (D.failed_permanent, D.bounced)
FIXED_REASON = "address corrected"


@dataclass(frozen=True, slots=True)
class BouncedAddress:
    """One address of the bounce overview."""

    subscriber_id: int
    email: str
    name: str
    organisation: str
    status: str
    kind: str  # "hard" or "soft"
    bounces: int
    last_reply: str
    reason: Reason | None
    last_at: datetime | None
    since: datetime | None

    def reason_text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return gettext(lang, MESSAGES[self.reason]) if self.reason else ""

    def document(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The ``bounces list --json`` entry."""
        return {
            "email": self.email,
            "name": self.name,
            "organisation": self.organisation,
            "status": self.status,
            "kind": self.kind,
            "bounces": self.bounces,
            "reason": self.reason_text(lang) or None,
            "last_reply": self.last_reply,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "since": self.since.isoformat() if self.since else None,
        }


class BounceOverview:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def bounced_addresses(self, kind: str = "", limit: int = 1000) -> list[BouncedAddress]:
        """Bounced addresses and active ones with counted failures, newest failure first;
        ``kind`` "hard" or "soft" keeps only those."""
        if kind not in ("", "hard", "soft"):
            raise ValidationError(N_("Unknown bounce kind '{kind}'."), kind=kind)
        self.expire_soft_bounces()
        with self.ctx.db.session() as session:
            people = list(
                session.scalars(
                    select(Subscriber)
                    .options(selectinload(Subscriber.organisation))
                    .where(
                        or_(
                            Subscriber.status == S.bounced,
                            (Subscriber.status == S.active) & (Subscriber.bounce_count > 0),
                        )
                    )
                    .order_by(Subscriber.status_changed_at.desc(), Subscriber.id)
                    .limit(limit)
                )
            )
            found = [self._address(session, s) for s in people]
        found.sort(key=lambda a: (a.last_at is None, -(a.last_at or _EPOCH).timestamp()))
        return [a for a in found if not kind or a.kind == kind]

    @staticmethod
    def _address(session: Session, subscriber: Subscriber) -> BouncedAddress:
        failures = session.execute(
            select(Delivery.status, Delivery.last_reply, Delivery.updated_at, Delivery.reply_note)
            .where(Delivery.subscriber_id == subscriber.id, Delivery.status.in_(FAILED))
            .order_by(Delivery.updated_at.desc())
            .limit(50)
        ).all()
        last_sent = session.execute(
            select(func.max(Delivery.sent_at)).where(Delivery.subscriber_id == subscriber.id)
        ).scalar()
        last_at: datetime | None
        since: datetime | None
        reason: Reason | None
        if failures:
            status, reply, last_at, note = failures[0]
            reason = reason_of(status, reply, note)
            # the first failure since the address last received something
            since = min(
                (at for _s, _r, at, _n in failures if last_sent is None or at >= last_sent),
                default=last_at,
            )
        else:  # bounced by an import or by hand: the status says why
            reply, reason = subscriber.status_reason, None
            last_at = since = subscriber.status_changed_at
        return BouncedAddress(
            subscriber_id=subscriber.id,
            email=subscriber.email,
            name=subscriber.name,
            organisation=subscriber.organisation.name if subscriber.organisation else "",
            status=subscriber.status.value,
            kind="hard" if is_hard(reply) else "soft",
            bounces=subscriber.bounce_count,
            last_reply=reply,
            reason=reason,
            last_at=last_at,
            since=since,
        )

    def expire_soft_bounces(self, now: datetime | None = None) -> int:
        """Forget the counted failures of active addresses that had none for
        ``BOUNCE_SOFT_EXPIRY_DAYS`` days (0: never); returns how many were reset."""
        days = self.ctx.settings.bounce_soft_expiry_days
        if days <= 0:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=days)
        recent = exists().where(
            Delivery.subscriber_id == Subscriber.id,
            Delivery.status.in_(FAILED),
            Delivery.updated_at > cutoff,
        )
        with self.ctx.db.session() as session:
            result = session.execute(
                update(Subscriber)
                .where(Subscriber.status == S.active, Subscriber.bounce_count > 0, ~recent)
                .values(bounce_count=0)
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    # --- the coordinator's actions ---------------------------------------------------------

    def reactivate(self, subscriber_id: int, reason: str, *, by: str = "") -> None:
        """Make a bounced address active again (its failures forgotten); a reason is
        required and recorded (``the address works again, checked by phone``)."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError(N_("Say why the address is reactivated."))
        with self.ctx.db.session() as session:
            subscriber = _get(session, subscriber_id)
            if subscriber.status is S.active:
                subscriber.bounce_count = 0
                return
            if subscriber.status is not S.bounced:
                raise ValidationError(
                    N_("Only a bounced address can be reactivated here ({email} is {status})."),
                    email=subscriber.email,
                    status=subscriber.status.value,
                )
            subscriptions.set_status(subscriber, S.active, reason=reason, at=utcnow(), actor=by)

    def fix_address(self, subscriber_id: int, email: str, *, by: str = "") -> str:
        """Correct a mistyped address (the old one stays in the person's history): the
        person keeps their lists and becomes active; returns the address as stored."""
        with self.ctx.db.session() as session:
            subscriber = _get(session, subscriber_id)
            people.change_address(session, subscriber, email, by=by, at=utcnow())
            if subscriber.status is S.bounced:
                subscriptions.set_status(
                    subscriber, S.active, reason=FIXED_REASON, at=utcnow(), actor=by
                )
            subscriber.bounce_count = 0
            return subscriber.email

    def remove_address(self, subscriber_id: int) -> None:
        """Remove the person behind a dead address (as an erasure: their past deliveries
        stay, anonymised, so the reports keep their counts)."""
        with self.ctx.db.session() as session:
            gdpr.erase_person(session, _get(session, subscriber_id))


_EPOCH = datetime(1970, 1, 1).astimezone()


def _get(session: Session, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFoundError(N_("No subscriber {id}."), id=subscriber_id)
    return subscriber
