"""Subscribing from the public form, with double opt-in.

``request`` is what the subscription form calls. It answers the same and does the same
work for any address, known or not: the same checks and rate-limit hits, the same
statements (an insert that does nothing for a known address, the subscriber read back,
one confirmation row), the same signature of a link. Only the e-mail differs, and it
leaves from a thread of its own (``send_later``), so neither the answer nor the next
request on the same connection waits for the mail server: a pending subscriber gets a
confirmation link, an active one nothing. Limits: ``SUBSCRIBE_PER_CLIENT_HOUR``
requests per client, and one confirmation per address within
``SUBSCRIBE_COOLDOWN_MINUTES`` (the page answers the same meanwhile).

A confirmation link carries a random nonce kept in ``subscription_confirmations``: it
works once, for ``CONFIRM_LINK_HOURS``, and only while the subscriber is still in the
pending state it was sent for. An old link of someone who has unsubscribed since
confirms nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsletter import links
from newsletter.audience import subscriptions
from newsletter.context import Context
from newsletter.errors import ConfigurationError, DeliveryError, ValidationError
from newsletter.i18n import N_, gettext
from newsletter.models import Language, SubscriberStatus
from newsletter.service.audience import AudienceService, SubscriberView
from newsletter.service.notices import NoticesService
from newsletter.service.ratelimit import RateLimiter
from newsletter.store.access import SubscriptionConfirmation
from newsletter.store.audience import Subscriber
from newsletter.store.base import utcnow
from newsletter.tokens import lifetime, verify

log = logging.getLogger(__name__)

#: subscription requests per client (IP address, IPv6 /64) and hour
SUBSCRIBE_PER_CLIENT_HOUR = 10
USED = N_(
    "This confirmation link was already used. If you have unsubscribed since, subscribe "
    "again on the subscription page."
)
NO_LONGER = N_(
    "This confirmation link is no longer valid. To subscribe, use the subscription page again."
)
INVALID = N_("This link is not valid.")
EXPIRED = N_("This link has expired.")
TOO_MANY = N_("Too many requests from your connection. Try again later.")


@dataclass(frozen=True)
class Confirmation:
    """What a request leads to: ``address`` as typed (normalised), the one the page
    shows whatever is known of it; a link to ``to`` (None: nothing to send)."""

    address: str
    to: str
    language: str
    url: str | None


def _address(email: str) -> str:
    try:
        return str(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise ValidationError(
            N_("'{email}' is not a valid e-mail address."), email=email
        ) from error


class SubscriptionsService:
    def __init__(
        self,
        ctx: Context,
        audience: AudienceService,
        notices: NoticesService,
        limits: RateLimiter,
    ) -> None:
        self.ctx = ctx
        self.audience = audience
        self.notices = notices
        self.limits = limits

    # --- the form ------------------------------------------------------------------------
    def request(
        self, email: str, *, name: str = "", language: str = "fr", client: str, source: str
    ) -> Confirmation:
        """Someone asks to subscribe ``email``: what to answer and what to send.

        ValidationError for an invalid address or a client over its limit."""
        address = _address(email)
        hour = timedelta(hours=1)
        if self.limits.exceeded_then_hit("subscribe-client", client, SUBSCRIBE_PER_CLIENT_HOUR,
                                         hour):  # fmt: skip
            raise ValidationError(TOO_MANY)
        cooldown = timedelta(minutes=self.ctx.settings.subscribe_cooldown_minutes)
        cooling = self.limits.exceeded_then_hit("subscribe-address", address.casefold(), 1,
                                                cooldown)  # fmt: skip
        lang = language if language in (x.value for x in Language) else "fr"
        with self.ctx.db.session() as session:
            now = utcnow()
            self._insert_if_new(session, address, name.strip(), lang, source, now)
            subscriber = session.scalars(
                select(Subscriber).where(Subscriber.email_key == address.casefold())
            ).one()
            if subscriber.status is SubscriberStatus.unsubscribed and not cooling:
                # they asked again: pending until they confirm
                subscriptions.set_status(subscriber, SubscriberStatus.pending, reason=source,
                                         at=now)  # fmt: skip
            wanted = subscriber.status is SubscriberStatus.pending and not cooling
            nonce = secrets.token_urlsafe(24)
            url = links.confirm_url(self.ctx.settings, subscriber.id, nonce)
            # a row either way; one that is not sent is closed at once
            session.add(SubscriptionConfirmation(
                subscriber_id=subscriber.id, nonce=nonce, sent_at=now,
                used_at=None if wanted else now,
            ))  # fmt: skip
            return Confirmation(
                address=address, to=subscriber.email, language=subscriber.language.value,
                url=url if wanted else None,
            )  # fmt: skip

    def _insert_if_new(
        self, session: Session, address: str, name: str, lang: str, source: str, now: datetime
    ) -> None:
        """One INSERT whatever the address: a known one makes it do nothing."""
        values: dict[str, Any] = {
            "email": address, "email_key": address.casefold(), "name": name,
            "language": Language(lang), "language_chosen": False, "groups": [], "roles": [],
            "status": SubscriberStatus.pending, "consent_source": source,
            "status_changed_at": now, "status_reason": "", "bounce_count": 0,
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        dialect = postgresql if self.ctx.db.is_postgres else sqlite
        statement = dialect.insert(Subscriber).values(**values)
        session.execute(statement.on_conflict_do_nothing(index_elements=["email_key"]))

    def send_later(self, confirmation: Confirmation) -> threading.Thread:
        """``send`` in a thread of its own, started now (whatever there is to send)."""
        thread = threading.Thread(target=self._send_logged, args=(confirmation,), daemon=True)
        thread.start()
        return thread

    def _send_logged(self, confirmation: Confirmation) -> None:
        try:
            self.send(confirmation)
        except Exception:  # a thread of its own: nobody else would see it
            log.exception("confirmation to %s not sent", confirmation.to)

    def send(self, confirmation: Confirmation) -> None:
        """Send what ``request`` decided; a mail failure is logged (the person can ask
        again once the cool-down is over)."""
        if confirmation.url is None:
            return
        settings = self.ctx.settings
        lang = confirmation.language
        body = gettext(
            lang,
            "Hello,\n\nPlease confirm your subscription to the newsletter of {network} "
            "by opening this link:\n\n{url}\n\nIf you did not ask for it, ignore this "
            "e-mail: you will receive nothing more.\n",
        ).format(network=settings.organisation_name_in(lang), url=confirmation.url)
        subject = gettext(lang, "Confirm your subscription")
        try:
            self.notices.send(confirmation.to, subject, body, lang)
        except (DeliveryError, ConfigurationError) as error:
            log.warning("confirmation to %s not sent: %s", confirmation.to, error)

    # --- the link ------------------------------------------------------------------------
    def confirm(self, token: str, *, source: str = "double opt-in (web)") -> SubscriberView:
        """The subscriber opened a confirmation link: active now. ValidationError when the
        link was used, has expired, or was sent before the subscriber's last change
        (unsubscribed since, blocked…)."""
        payload = verify(self.ctx.settings, links.CONFIRM, token)
        try:
            subscriber_id, nonce = int(payload["s"]), str(payload["n"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError(INVALID) from error
        life = lifetime(self.ctx.settings, links.CONFIRM)
        assert life is not None
        with self.ctx.db.session() as session:
            now = utcnow()
            # single use even when two clicks arrive together: one UPDATE wins
            result = session.execute(
                update(SubscriptionConfirmation)
                .where(
                    SubscriptionConfirmation.nonce == nonce,
                    SubscriptionConfirmation.subscriber_id == subscriber_id,
                    SubscriptionConfirmation.used_at.is_(None),
                    SubscriptionConfirmation.sent_at >= now - life,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            taken = int(getattr(result, "rowcount", 0) or 0)
            row = session.scalar(
                select(SubscriptionConfirmation).where(SubscriptionConfirmation.nonce == nonce)
            )
            if row is None or row.subscriber_id != subscriber_id:
                raise ValidationError(INVALID)
            if not taken:
                raise ValidationError(EXPIRED if row.used_at is None else USED)
            subscriber = session.get(Subscriber, subscriber_id)
            if subscriber is None:
                raise ValidationError(INVALID)
            changed = subscriber.status_changed_at
            if subscriber.status is not SubscriberStatus.pending or (
                changed is not None and changed > row.sent_at
            ):
                raise ValidationError(NO_LONGER)  # the transaction (and its UPDATE) is undone
            subscriptions.set_status(subscriber, SubscriberStatus.active, reason=source, at=now,
                                     source=source)  # fmt: skip
            # the other links still out for this subscriber are spent too
            session.execute(
                update(SubscriptionConfirmation)
                .where(
                    SubscriptionConfirmation.subscriber_id == subscriber_id,
                    SubscriptionConfirmation.used_at.is_(None),
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
        return self.audience.get_subscriber(subscriber_id)
