"""The snapshot of a send: one queued row per recipient, written once, in bulk.

The recipients come as a stream and go in by chunks of SNAPSHOT_CHUNK rows, in the
caller's transaction (a crash leaves the whole snapshot or none of it), each person
once, with the Message-ID of their delivery. Then the snapshot says which variants its
readers need (``readers``) and how many read each language (``languages``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery.identity import IssueMessageIds
from newsletter.models import DeliveryStatus as D
from newsletter.models import Language, Membership
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery, Send

T: Table = Delivery.__table__  # type: ignore[assignment]
SNAPSHOT_CHUNK = 2000


class RecipientLike(Protocol):
    @property
    def subscriber_id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> Language | str: ...
    @property
    def membership(self) -> Membership | str: ...


def snapshot(
    session: Session,
    settings: Settings,
    issue_id: int,
    lists: Sequence[str],
    recipients: Iterable[RecipientLike],
    *,
    post_id: int | None = None,
    message_id: str = "",
) -> Send:
    """Create the send of ``issue_id`` and write one queued row per recipient.

    The relay of a mailing-list post (``post_id``, ``issue_id`` 0) is a send too; its
    rows carry the post's own ``message_id`` (replies thread on it).

    ``recipients`` is consumed as a stream and written in bulk inserts of a few
    thousand rows, so memory does not grow with the number of recipients. Runs in the
    caller's transaction: a crash leaves either the whole snapshot or none of it."""
    send = Send(issue_id=issue_id or None, post_id=post_id, lists=list(lists),
                snapshot_complete=False)  # fmt: skip
    session.add(send)
    session.flush()
    now = utcnow()
    writer = _SnapshotWriter(session.connection())
    fixed = writer.constants(send.id, issue_id, now)
    languages, memberships = writer.languages, writer.memberships
    ids = IssueMessageIds(settings, issue_id)
    seen = _IdSet()
    total = 0
    chunk: list[tuple[Any, ...]] = []
    for recipient in recipients:
        subscriber_id = recipient.subscriber_id
        if not seen.add(subscriber_id):
            continue
        chunk.append(
            (
                subscriber_id,
                recipient.email,
                recipient.name or "",
                languages[recipient.language],
                memberships[recipient.membership],
                message_id or ids(subscriber_id),
                *fixed,
            )
        )
        if len(chunk) >= SNAPSHOT_CHUNK:
            writer.write(chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        writer.write(chunk)
        total += len(chunk)
    send.total = total
    send.snapshot_complete = True
    return send


#: the columns of a snapshot's rows: the recipient's, then those the same for every row
_RECIPIENT_COLUMNS = ("subscriber_id", "email", "name", "language", "membership", "message_id")
_FIXED_COLUMNS = ("send_id", "issue_id", "status", "attempts", "last_reply", "reply_note",
                  "created_at", "updated_at")  # fmt: skip
#: the DBAPI's parameter marker for SQLAlchemy's paramstyle of the dialect
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class _SnapshotWriter:
    """The snapshot's INSERT on the session's own connection (so in its transaction),
    run on the driver (``exec_driver_sql``), without SQLAlchemy's per-row, per-column
    work: the values are what SQLAlchemy would send (its bind processors of each
    column), computed once per snapshot for the columns the same on every row and once
    per language and membership. The other columns (ids and strings) have no bind processing."""

    def __init__(self, connection: Connection) -> None:
        self.dialect = dialect = connection.dialect
        columns = (*_RECIPIENT_COLUMNS, *_FIXED_COLUMNS)
        quote = dialect.identifier_preparer.quote
        marker = _MARKERS[dialect.paramstyle]
        names = ", ".join(quote(name) for name in columns)
        markers = ", ".join(marker for _ in columns)
        # the table's own identifiers, quoted; every value is a parameter
        self.sql = f"INSERT INTO {quote(T.name)} ({names}) VALUES ({markers})"  # noqa: S608
        plain = [name for name in _RECIPIENT_COLUMNS if name not in ("language", "membership")]
        if any(self._processor(name) is not None for name in plain):
            raise RuntimeError(f"{dialect.name}: a snapshot column needs bind processing")
        self.languages = _Converted(Language, self._processor("language"))
        self.memberships = _Converted(Membership, self._processor("membership"))
        self.connection = connection

    def _processor(self, name: str) -> Any:
        return T.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)

    def constants(self, send_id: int, issue_id: int, now: datetime) -> tuple[Any, ...]:
        """The values of ``_FIXED_COLUMNS`` as they are sent, in order."""
        values = {"send_id": send_id, "issue_id": issue_id, "status": D.queued,
                  "attempts": 0, "last_reply": "", "reply_note": "", "created_at": now,
                  "updated_at": now}  # fmt: skip
        out = []
        for name in _FIXED_COLUMNS:
            processor = self._processor(name)
            out.append(values[name] if processor is None else processor(values[name]))
        return tuple(out)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        # through SQLAlchemy's driver call: a driver error comes wrapped, as
        # ``faults.fault_of`` (a full disk, the database gone) and the callers expect
        self.connection.exec_driver_sql(self.sql, rows)


class _Converted(dict[Any, Any]):
    """A language or membership (enum or its value) as sent to the database: checked
    and converted at its first occurrence only (an unknown value: ValueError)."""

    def __init__(self, kind: type[Language] | type[Membership], processor: Any) -> None:
        super().__init__()
        self.kind, self.processor = kind, processor

    def __missing__(self, value: Any) -> Any:
        member = self.kind(value)
        converted = self[value] = member if self.processor is None else self.processor(member)
        return converted


def readers(session: Session, send_id: int) -> list[tuple[str, str]]:
    """The (language, membership) pairs of a send's recipients: the variants it needs."""
    rows = session.execute(
        select(T.c.language, T.c.membership).where(T.c.send_id == send_id).distinct()
    )
    return [(Language(language).value, Membership(kind).value) for language, kind in rows]


def languages(session: Session, send_id: int) -> dict[str, int]:
    """A send's recipients per language."""
    rows = session.execute(
        select(T.c.language, func.count()).where(T.c.send_id == send_id).group_by(T.c.language)
    )
    return {Language(language).value: count for language, count in rows}


class _IdSet:
    """A set of small non-negative ints as a bitmap: 100,000 ids in 12.5 KB."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, number: int) -> bool:
        """Add ``number``; False if it was already there."""
        byte, bit = divmod(number, 8)
        if byte >= len(self.bits):
            self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
        mask = 1 << bit
        if self.bits[byte] & mask:
            return False
        self.bits[byte] |= mask
        return True
