"""What the network holds about one person: exported whole, or erased.

Erasing keeps the deliveries (so that every send report keeps its true counts) but
anonymised: no address, no name, no server reply, and a subscriber number that points to
nobody. Everything else about the person is deleted, or loses the person's name and
address (an attendance list keeps its count).

The person's intake records (by their current and past addresses):
- a news item they sent stays (it is the organisation's publication, maybe already in an
  issue) but loses its sender, and its moderation history loses them as actor;
- an e-mail they sent stays as a record (the mailbox report keeps its counts, and its
  dedupe key keeps the message from being read twice) without sender, subject,
  Message-ID or raw message; a bounce about them loses the raw message and their address;
- the address is taken out of the partner links' "sent to" lists and the rate limits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from newsletter.models import InboundOutcome
from newsletter.store.access import PartnerLink, RateHit, SubscriptionConfirmation
from newsletter.store.assemblies import Attendance
from newsletter.store.audience import ConsentEvent, ListOptOut, PastAddress, Subscriber
from newsletter.store.clicks import LinkClickPerson, LinkClicks
from newsletter.store.delivery import Delivery
from newsletter.store.editorial import NewsEvent, NewsItem, RsvpAnswer
from newsletter.store.intake import InboundMessage


def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def addresses(session: Session, subscriber: Subscriber) -> list[str]:
    """The person's current and past addresses, lower-cased."""
    past = session.scalars(
        select(PastAddress.email_key).where(PastAddress.subscriber_id == subscriber.id)
    ).all()
    return sorted({subscriber.email_key, *past})


def _sent_by(column: Any, keys: list[str]) -> Any:
    return func.lower(func.trim(column)).in_(keys)


def export_person(
    session: Session, subscriber: Subscriber, lang: str | None = None
) -> dict[str, Any]:
    """Every record about the person, as plain JSON-ready data; what the sender noted
    about a delivery in ``lang`` (by default the person's language)."""
    lang = lang or subscriber.language.value
    org = subscriber.organisation
    keys = addresses(session, subscriber)
    past = session.scalars(
        select(PastAddress).where(PastAddress.subscriber_id == subscriber.id)
        .order_by(PastAddress.replaced_at)
    ).all()  # fmt: skip
    events = session.scalars(
        select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber.id)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    ).all()  # fmt: skip
    news = session.scalars(
        select(NewsItem).where(_sent_by(NewsItem.sender, keys)).order_by(NewsItem.id)
    ).all()
    mails = session.scalars(
        select(InboundMessage).where(_sent_by(InboundMessage.sender, keys))
        .order_by(InboundMessage.id)
    ).all()  # fmt: skip
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
    clicks = session.execute(
        select(LinkClickPerson.issue_id, LinkClicks.url, LinkClickPerson.at)
        .outerjoin(
            LinkClicks,
            (LinkClicks.issue_id == LinkClickPerson.issue_id)
            & (LinkClicks.url_key == LinkClickPerson.url_key),
        )
        .where(LinkClickPerson.subscriber_id == subscriber.id)
        .order_by(LinkClickPerson.at, LinkClickPerson.id)
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
        "past_addresses": [
            {"email": p.email, "replaced_at": _iso(p.replaced_at), "changed_by": p.changed_by}
            for p in past
        ],
        "consent_events": [
            {"at": _iso(e.at), "status": e.status, "previous": e.previous, "source": e.source,
             "actor": e.actor, "reason": e.reason}
            for e in events
        ],
        "lists_left": sorted(optouts),
        "deliveries": [
            {"issue_id": d.issue_id, "email": d.email, "status": d.status.value,
             "sent_at": _iso(d.sent_at), "last_reply": d.last_reply,
             "note": d.note.render(lang) if d.note else ""}
            for d in deliveries
        ],
        # the links followed: recorded only with individual click tracking
        "clicks": [
            {"issue_id": issue_id, "url": url or "", "at": _iso(at)}
            for issue_id, url, at in clicks
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
        "news_sent": [
            {"id": n.id, "title": n.title, "organisation": n.organisation_name,
             "status": n.status.value, "created_at": _iso(n.created_at)}
            for n in news
        ],
        "emails_sent": [
            {"id": m.id, "subject": m.subject, "outcome": m.outcome.value,
             "received_at": _iso(m.received_at), "news_id": m.news_id}
            for m in mails
        ],
    }  # fmt: skip


def _scrub(params: object, keys: list[str]) -> object:
    """Parameters of a stored message with the person's addresses blanked."""
    if isinstance(params, dict):
        return {k: _scrub(v, keys) for k, v in params.items()}
    if isinstance(params, list):
        return [_scrub(v, keys) for v in params]
    if isinstance(params, str) and any(key in params.casefold() for key in keys):
        return ""
    return params


def erase_intake(session: Session, keys: list[str]) -> None:
    """The person's news and e-mails lose every personal field (see the module doc)."""
    for news in session.scalars(select(NewsItem).where(_sent_by(NewsItem.sender, keys))):
        news.sender = ""
        news.notes = [_scrub(note, keys) for note in news.notes or []]
    session.execute(update(NewsEvent).where(_sent_by(NewsEvent.actor, keys)).values(actor=""))
    for mail in session.scalars(
        select(InboundMessage).where(_sent_by(InboundMessage.sender, keys))
    ):
        mail.sender = mail.subject = mail.message_id = ""
        mail.raw, mail.raw_truncated, mail.size = b"", False, 0
        mail.reason_params = {k: _scrub(v, keys) for k, v in (mail.reason_params or {}).items()}
    for bounce in session.scalars(
        select(InboundMessage).where(
            InboundMessage.outcome.in_([InboundOutcome.bounce, InboundOutcome.complaint])
        )
    ):
        about = [
            b for b in bounce.bounces or []
            if isinstance(b, dict) and str(b.get("recipient", "")).strip().casefold() in keys
        ]  # fmt: skip
        if about:
            bounce.bounces = [_scrub(b, keys) for b in bounce.bounces]
            bounce.raw, bounce.raw_truncated = b"", False
    for link in session.scalars(
        select(PartnerLink).where(or_(*(func.lower(PartnerLink.sent_to).contains(k) for k in keys)))
    ):
        kept = [a for a in link.sent_to.split(", ") if a.strip().casefold() not in keys]
        link.sent_to = ", ".join(kept)
    session.execute(delete(RateHit).where(RateHit.key.in_(keys)))


def erase_person(session: Session, subscriber: Subscriber) -> int:
    """Erase the person; returns the number of deliveries kept anonymised."""
    subscriber_id = subscriber.id
    erase_intake(session, addresses(session, subscriber))
    kept = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.subscriber_id == subscriber_id)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .values(
            subscriber_id=-Delivery.id,
            email="",
            name="",
            last_reply="",
            message_id="",
            reply_note="",
            reply_note_params=None,
        )
    )
    session.execute(
        update(Attendance)
        .where(Attendance.subscriber_id == subscriber_id)
        .values(subscriber_id=None, name="", email="")
    )
    for table in (
        RsvpAnswer, SubscriptionConfirmation, ListOptOut, PastAddress, ConsentEvent,
        LinkClickPerson,
    ):  # fmt: skip
        session.execute(delete(table).where(table.subscriber_id == subscriber_id))
    session.expunge(subscriber)
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))
    return int(kept or 0)
