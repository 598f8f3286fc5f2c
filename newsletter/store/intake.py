"""Table of incoming e-mail: one row per message read, whatever became of it.

A message is processed once: its Message-ID and body hash (or, without a Message-ID, the
SHA-256 of its bytes) is the ``dedupe_key`` of the first row, and a mailbox message is
also known by its folder, UIDVALIDITY and UID, so a message whose move to ``Processed``
failed is not read twice. The raw message is kept, cut at ``RAW_KEEP`` bytes, for the coordinator.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column

from newsletter.models import InboundOutcome
from newsletter.store import editorial as _editorial  # noqa: F401 - its tables are referred to
from newsletter.store.base import Base, UTCDateTime, str_enum, utcnow
from newsletter.store.db import Database

#: bytes of the raw message kept with its record
RAW_KEEP = 2 * 1024 * 1024


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "imap", "file" or "stdin"
    source: Mapped[str] = mapped_column(String(20))
    folder: Mapped[str | None] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    uid: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(500), default="", index=True)
    #: set on the first record of a message only (unique), NULL on duplicates
    dedupe_key: Mapped[str | None] = mapped_column(String(600), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[InboundOutcome] = mapped_column(str_enum(InboundOutcome, 20), index=True)
    #: English message id of the reason and its parameters (translated when shown)
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    news_id: Mapped[int | None] = mapped_column(
        ForeignKey("news_items.id", ondelete="SET NULL"), index=True
    )
    #: [{"delivery_id", "recipient", "status", "hard", "diagnostic"}] of a bounce
    bounces: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: the bounces were recorded on their deliveries and subscribers
    bounces_applied: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    raw_truncated: Mapped[bool] = mapped_column(default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def by_dedupe_key(session: Session, key: str) -> InboundMessage | None:
    return session.scalars(select(InboundMessage).where(InboundMessage.dedupe_key == key)).first()


def by_mailbox_uid(
    session: Session, folder: str, uidvalidity: int, uid: int
) -> InboundMessage | None:
    return session.scalars(
        select(InboundMessage).where(
            InboundMessage.folder == folder,
            InboundMessage.uidvalidity == uidvalidity,
            InboundMessage.uid == uid,
        )
    ).first()


def list_messages(
    session: Session, outcome: InboundOutcome | None = None, limit: int = 200, offset: int = 0
) -> list[InboundMessage]:
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit).offset(offset)
    if outcome is not None:
        query = query.where(InboundMessage.outcome == outcome)
    return list(session.scalars(query))


def count_messages(session: Session, outcome: InboundOutcome | None = None) -> int:
    query = select(func.count()).select_from(InboundMessage)
    if outcome is not None:
        query = query.where(InboundMessage.outcome == outcome)
    return int(session.scalar(query) or 0)


def unapplied_bounces(session: Session) -> list[InboundMessage]:
    return list(
        session.scalars(
            select(InboundMessage).where(
                InboundMessage.outcome.in_([InboundOutcome.bounce, InboundOutcome.complaint]),
                InboundMessage.bounces_applied.is_(False),
            )
        )
    )


def by_news_id(session: Session, news_id: int) -> InboundMessage | None:
    return session.scalars(select(InboundMessage).where(InboundMessage.news_id == news_id)).first()


#: key of the PostgreSQL advisory lock held while the mailbox is being read
POLL_LOCK_KEY = 0x6E6C696E  # "nlin"


@contextmanager
def poll_lock(db: Database, lock_file: Path) -> Iterator[bool]:
    """Hold the right to read the mailbox; yields False when another process has it.

    Two polls reading the same messages at once would each move them, and an IMAP
    MOVE of a message the other session already moved copies it again. PostgreSQL:
    an advisory lock (any host); SQLite: a lock file next to the database."""
    if db.is_postgres:
        with db.engine.connect() as connection:
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": POLL_LOCK_KEY}
                ).scalar()
            )
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": POLL_LOCK_KEY})
                connection.commit()
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
