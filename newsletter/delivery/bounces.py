"""A bounce matched to one of our deliveries, only when the bounce proves it.

Reading a bounce is reading mail (``intake.mail.bounces``); this module knows the
deliveries. Proof is a valid VERP token of the address the bounce came back to
(``verp``, an HMAC) or the signed Message-ID of the returned original
(``message_ids``), **and** a failed recipient in the report that is that delivery's
address. Anything else (a guessed Message-ID, the token of another delivery, a report
about another address) is unmatched: recorded for the coordinator, it changes no
one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.verp import delivery_id_from_address
from newsletter.message_ids import verify as verify_message_id
from newsletter.models import DeliveryStatus
from newsletter.store.delivery import Delivery


@dataclass
class Match:
    """What a bounce proved.

    ``recipient`` is the failed address of the report that is the delivery's address
    ("" when the bounce is unmatched); ``delivery_id`` is the delivery it proved to be
    about (also when the report names another address), None without any proof.
    """

    delivery_id: int | None = None
    recipient: str = ""
    already_bounced: bool = False

    @property
    def matched(self) -> bool:
        return self.delivery_id is not None and bool(self.recipient)


def _proven_deliveries(
    session: Session, settings: Settings, envelope: Sequence[str], original_message_id: str
) -> list[Delivery]:
    found: list[Delivery] = []
    for address in envelope:
        delivery_id = delivery_id_from_address(settings, address)
        if delivery_id is None:
            continue
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None and delivery not in found:
            found.append(delivery)
    if original_message_id and verify_message_id(settings, original_message_id):
        wanted = [original_message_id, f"<{original_message_id.strip('<>')}>"]
        for delivery in session.scalars(select(Delivery).where(Delivery.message_id.in_(wanted))):
            if delivery not in found:
                found.append(delivery)
    return found


def match_delivery(
    session: Session,
    settings: Settings,
    *,
    envelope_addresses: Sequence[str],
    original_message_id: str,
    failed_addresses: Sequence[str],
) -> Match:
    """The delivery a bounce is about (see the module docstring)."""
    deliveries = _proven_deliveries(session, settings, envelope_addresses, original_message_id)
    if not deliveries:
        return Match()
    for delivery in deliveries:
        wanted = delivery.email.strip().lower()
        for address in failed_addresses:
            if address.strip().lower() == wanted:
                return Match(delivery.id, address, delivery.status is DeliveryStatus.bounced)
    return Match(deliveries[0].id)


def match_complaint(
    session: Session,
    settings: Settings,
    *,
    envelope_addresses: Sequence[str],
    original_message_id: str,
    recipients: Sequence[str],
) -> Match:
    """The delivery a complaint report (ARF) is about: proven as a bounce is (VERP token
    or signed Message-ID). When the report states recipients, one of them must be the
    delivery's address; a provider that hid the recipient leaves the proof alone, and
    then it must point at one delivery only."""
    deliveries = _proven_deliveries(session, settings, envelope_addresses, original_message_id)
    if not deliveries:
        return Match()
    if recipients:
        return match_delivery(
            session,
            settings,
            envelope_addresses=envelope_addresses,
            original_message_id=original_message_id,
            failed_addresses=recipients,
        )
    if len(deliveries) == 1:
        return Match(deliveries[0].id, deliveries[0].email)
    return Match(deliveries[0].id)
