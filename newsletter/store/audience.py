"""Tables of the audience: member organisations, subscribers, per-list opt-outs, the
addresses a person had before, and the evidence of their consent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.base import Base, Timestamps, UTCDateTime, str_enum, utcnow


class Organisation(Timestamps, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: case- and accent-insensitive key of the name, unique
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    membership: Mapped[Membership] = mapped_column(
        str_enum(Membership, 20), default=Membership.none
    )
    sector: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    #: the day its membership ended (it left the network); None while it is a member.
    #: The row stays: its history (``OrganisationEvent``) and past figures keep it.
    left_on: Mapped[date | None] = mapped_column(Date())

    subscribers: Mapped[list[Subscriber]] = relationship(back_populates="organisation")


class OrganisationEvent(Base):
    """An organisation left the network or came back, on a given day (kept for the
    yearly activity report, also after it came back)."""

    __tablename__ = "organisation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: "left" or "returned"
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date(), index=True)
    actor: Mapped[str] = mapped_column(String(320), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subscriber(Timestamps, Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    #: lower-cased e-mail, unique: addresses are unique case-insensitively
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[Language] = mapped_column(str_enum(Language, 20), default=Language.fr)
    #: the person chose their language on the preferences page: an import keeps it
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    groups: Mapped[list[str]] = mapped_column(default=list)
    roles: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[SubscriberStatus] = mapped_column(
        str_enum(SubscriberStatus, 20), default=SubscriberStatus.pending, index=True
    )
    consent_source: Mapped[str] = mapped_column(String(200), default="")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_reason: Mapped[str] = mapped_column(Text, default="")
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation | None] = relationship(back_populates="subscribers")

    @property
    def membership(self) -> Membership:
        return self.organisation.membership if self.organisation else Membership.none


class ListOptOut(Base):
    """A subscriber who left one list but not the others."""

    __tablename__ = "list_optouts"
    __table_args__ = (UniqueConstraint("subscriber_id", "list_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    list_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PastAddress(Base):
    """An address a subscriber had before it was changed (the history of the person)."""

    __tablename__ = "subscriber_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    #: lower-cased address: a search by an old address finds the person
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    #: who changed it: "console: <account>", "cli"
    changed_by: Mapped[str] = mapped_column(String(320), default="")
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentEvent(Base):
    """One change of a subscriber's status: when, how (the door and its source) and why.

    The evidence of consent: a subscription confirmed, an import, a coordinator who
    reactivated an address with the reason given."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str] = mapped_column(String(20), default="")
    #: how and from where: "double opt-in", "import:annuaire.csv", "console", "cli"…
    source: Mapped[str] = mapped_column(String(200), default="")
    #: who acted, when it was not the person: the coordinator's account
    actor: Mapped[str] = mapped_column(String(320), default="")
    #: the reason given (a coordinator reactivating someone who had unsubscribed)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    subscriber: Mapped[Subscriber] = relationship()
