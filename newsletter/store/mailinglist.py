"""Tables of the mailing lists: posts, trusted senders, digest preferences.

A post is one message written to a list's posting address (``lists/*.yaml``,
``posting:``). Its raw bytes are kept whole, whatever became of it (held, rejected,
dropped), so nothing sent to a list is lost (``truncated`` when the intake could keep
only its head: over INTAKE_MAX_MESSAGE). ``reason`` + ``reason_params`` say why it was
held or dropped (a message id and its parameters, translated when shown); a
moderator's words when rejecting are ``decision_note``, kept as written.
``held_notified_at`` / ``rejected_notified_at``: when the poster was sent the notice
that the post waits for a moderator / was not relayed (None: not told).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column
from sqlalchemy.sql.expression import false

from newsletter.i18n import Msg
from newsletter.models import DigestMode, Language, PostStatus
from newsletter.store import audience as _audience  # noqa: F401 - its tables are referred to
from newsletter.store import intake as _intake  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, utcnow


def _enum(kind: Any) -> Enum:
    return Enum(
        kind,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=20,
        validate_strings=True,
    )


class ListPost(Base):
    """One message written to a list."""

    __tablename__ = "list_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the list id (file name in ``lists/``)
    list_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[PostStatus] = mapped_column(_enum(PostStatus), index=True)
    #: why it is held or dropped: English message id and its parameters
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    #: the moderator's words when rejecting (kept as written, shown to the poster)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: set once per list and message (list id + Message-ID, or + SHA-256 without one)
    dedupe_key: Mapped[str | None] = mapped_column(String(700), unique=True)
    #: the poster's address as written in ``From:``, and its lower-cased key
    sender: Mapped[str] = mapped_column(String(320), default="")
    sender_key: Mapped[str] = mapped_column(String(320), default="", index=True)
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    #: language the poster is told in (their subscriber record's, else guessed)
    language: Mapped[Language] = mapped_column(_enum(Language), default=Language.fr)
    subject: Mapped[str] = mapped_column(Text, default="")
    #: ``Message-ID`` of the post as received, with its angle brackets
    message_id: Mapped[str] = mapped_column(String(500), default="", index=True)
    in_reply_to: Mapped[str] = mapped_column(String(500), default="", index=True)
    #: the ``References`` header as received (message ids separated by spaces)
    references: Mapped[str] = mapped_column(Text, default="")
    #: DMARC result of our own MTA (``Authentication-Results``), "" when none was given
    dmarc: Mapped[str] = mapped_column(String(20), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    #: only the head was kept (the message was over INTAKE_MAX_MESSAGE): never relayed
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the incoming e-mail record it came with (``inbound_messages``)
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: who decided (a coordinator's e-mail, "cli", or "" for a rule of the list)
    decided_by: Mapped[str] = mapped_column(String(320), default="")
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the poster was told the post waits for a moderator (None: not told)
    held_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the poster was told the post was not relayed, with the reason (None: not told)
    rejected_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def why(self) -> Msg | None:
        """Why it is held or dropped, translated when shown."""
        return Msg.stored(self.reason, self.reason_params) if self.reason else None


class TrustedSender(Base):
    """A sender whose posts to a list go out without moderation."""

    __tablename__ = "list_trusted_senders"
    __table_args__ = (UniqueConstraint("list_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[str] = mapped_column(String(100), index=True)
    email_key: Mapped[str] = mapped_column(String(320))
    added_by: Mapped[str] = mapped_column(String(320), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestPreference(Base):
    """How one member gets one list's posts; no row means ``DigestMode.none``."""

    __tablename__ = "list_digest_preferences"
    __table_args__ = (UniqueConstraint("list_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[str] = mapped_column(String(100), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[DigestMode] = mapped_column(_enum(DigestMode), default=DigestMode.none)
    #: posts relayed up to this time are in a digest already sent to this member
    digested_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
