"""Tables of the delivery stage: sends, the outbox (one row per recipient), workers.

The ``deliveries`` table *is* the queue: a send snapshots its recipients into it when
it starts, workers claim rows in batches and record each result on the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.i18n import Msg
from newsletter.models import DeliveryStatus, Language, Membership
from newsletter.store import editorial as _editorial  # noqa: F401 - its tables are referred to
from newsletter.store import mailinglist as _mailinglist  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, str_enum, utcnow


class Send(Base):
    """The sending of one issue (or the relay of one list post): its target lists and
    the recipients' snapshot."""

    __tablename__ = "sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the issue sent; NULL for the relay of a list post (``post_id``)
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), unique=True
    )
    #: the mailing-list post relayed (``mailinglist``); its deliveries have issue_id 0
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("list_posts.id", ondelete="CASCADE"), unique=True
    )
    #: list ids (files in lists/) the recipients were taken from
    lists: Mapped[list[str]] = mapped_column(default=list)
    #: True once every recipient has been written to the outbox
    snapshot_complete: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: set when the sender paused the send because the SMTP relay did not answer; the
    #: send resumes by itself once the relay answers again, unless this is cleared (the
    #: coordinator paused, resumed or cancelled it)
    relay_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    """One recipient of one send: the unit a worker claims, sends and records."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("send_id", "subscriber_id"),
        Index("ix_deliveries_send_status", "send_id", "status", "id"),
        Index("ix_deliveries_sent_at", "sent_at"),
        Index("ix_deliveries_claimed_by", "claimed_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    send_id: Mapped[int] = mapped_column(ForeignKey("sends.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(Integer, index=True)
    #: no foreign key: the record of who got what outlives a deleted subscriber
    subscriber_id: Mapped[int] = mapped_column(Integer, index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[Language] = mapped_column(str_enum(Language, 30), default=Language.fr)
    membership: Mapped[Membership] = mapped_column(
        str_enum(Membership, 30), default=Membership.none
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 30), default=DeliveryStatus.queued
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the receiving server's last reply, as received
    last_reply: Mapped[str] = mapped_column(Text, default="")
    #: what the sender adds (gave up, no reply, left before delivery…): a message id and
    #: its parameters, translated when shown (``delivery.notes``)
    reply_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reply_note_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    message_id: Mapped[str] = mapped_column(String(300), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def note(self) -> Msg | None:
        """What the sender added to the server's reply, translated when shown."""
        return Msg.stored(self.reply_note, self.reply_note_params) if self.reply_note else None


class DeliveryWorker(Base):
    """A running sender process; its heartbeat tells whether its claims are still alive."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
