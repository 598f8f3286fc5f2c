"""The outbox: one row per recipient of a send, claimed in batches and recorded.

Statuses: ``queued`` → ``sending`` (claimed by a worker) → ``sent`` /
``failed_temporary`` (retried at ``next_attempt_at``) / ``failed_permanent`` /
``skipped`` (unsubscribed or cancelled before it went out); ``bounced`` is set later
when a bounce comes back.

Claiming is one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING``: on PostgreSQL
the inner select takes ``FOR UPDATE SKIP LOCKED`` so concurrent workers (processes)
get disjoint rows; on SQLite the statement runs under the database's single write
lock, which makes the claim atomic too. Each claim stamps the worker id; a worker
that dies (no heartbeat, or its process is gone) has its ``sending`` rows put back
into the queue by ``recover_stale``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from newsletter.delivery import notes
from newsletter.i18n import Msg
from newsletter.models import DeliveryStatus as D
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import ListOptOut, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.db import Database
from newsletter.store.delivery import Delivery, DeliveryWorker, Send
from newsletter.store.driver_sql import DriverStatement

T: Table = Delivery.__table__  # type: ignore[assignment]
#: statuses of rows that still have to go out
OPEN = (D.queued, D.sending, D.failed_temporary)
HOSTNAME = socket.gethostname()


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed delivery: everything needed to build and send its message."""

    id: int
    subscriber_id: int
    email: str
    name: str
    language: Language
    membership: Membership
    message_id: str
    attempts: int


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """What happened to one claimed delivery, ready to be written."""

    id: int
    status: D
    #: the server's reply, as received
    reply: str
    at: datetime
    next_attempt_at: datetime | None = None
    #: what the sender adds (``delivery.notes``), translated when shown
    note: Msg | None = None


# --- sends --------------------------------------------------------------------------


def get_send(session: Session, issue_id: int) -> Send | None:
    return session.scalars(select(Send).where(Send.issue_id == issue_id)).first()


# --- claiming ------------------------------------------------------------------------


def claim(
    db: Database, send_id: int, worker_id: str, limit: int, now: datetime | None = None
) -> tuple[list[Claimed], int]:
    """Claim up to ``limit`` rows that are due; returns (rows to send, rows skipped).

    Rows whose subscriber is no longer active, or left one of the send's lists, are
    marked ``skipped`` instead of being returned (an unsubscribe during a send)."""
    now = now or utcnow()
    values = {"b_send": send_id, "b_worker": worker_id, "b_now": now, "b_limit": limit}
    with db.engine.begin() as connection:
        rows = list(connection.execute(_claim_statement(db.is_postgres, False), values).all())
        if len(rows) < limit:
            values["b_limit"] = limit - len(rows)
            rows += connection.execute(_claim_statement(db.is_postgres, True), values).all()
        if not rows:
            return [], 0
        lists = connection.execute(_SEND_LISTS, {"b_send": send_id}).scalar_one()
        # the rows of this claim: claimed by this worker at ``now``
        gone = _no_longer_wanted(
            connection,
            lists,
            T.c.send_id == send_id,
            T.c.status == D.sending,
            T.c.claimed_by == worker_id,
            T.c.claimed_at == now,
        )
        if gone:
            connection.execute(
                update(T)
                .where(T.c.id.in_(gone))
                .values(
                    status=D.skipped,
                    claimed_by=None,
                    last_reply="",
                    reply_note=notes.UNSUBSCRIBED,
                    reply_note_params=None,
                    updated_at=now,
                )
            )
    # the columns come as Claimed's fields, language and membership as their enums
    claimed = [Claimed(*r) for r in rows if r[0] not in gone]
    claimed.sort(key=_by_id)
    return claimed, len(gone)


def _by_id(row: Claimed) -> int:
    return row.id


@cache
def _claim_statement(postgres: bool, retry: bool) -> Any:
    """The claim of a send's first attempts or of its due retries, built once: each
    walks the (send_id, status) index in id order (two simple statements rather than
    one with OR), so a claim costs the same at row 100,000 as at row 1."""
    if retry:
        condition = and_(
            T.c.status == D.failed_temporary, T.c.next_attempt_at <= bindparam("b_now")
        )
    else:
        condition = T.c.status == D.queued
    due = (
        select(T.c.id)
        .where(T.c.send_id == bindparam("b_send"), condition)
        .order_by(T.c.send_id, T.c.status, T.c.id)
        .limit(bindparam("b_limit", type_=Integer))
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
    return (
        update(T)
        .where(T.c.id.in_(due.scalar_subquery()))
        .values(
            status=D.sending,
            claimed_by=bindparam("b_worker"),
            claimed_at=bindparam("b_now"),
            attempts=T.c.attempts + 1,
            updated_at=bindparam("b_now"),
        )
        .returning(
            T.c.id,
            T.c.subscriber_id,
            T.c.email,
            T.c.name,
            T.c.language,
            T.c.membership,
            T.c.message_id,
            T.c.attempts,
        )
    )


_SEND_LISTS = select(Send.lists).where(Send.id == bindparam("b_send"))


def unwanted_claimed(db: Database, send_id: int, worker_id: str) -> set[int]:
    """Rows claimed by ``worker_id`` and not yet sent whose subscriber left (unsubscribed,
    or opted out of one of the send's lists) since they were claimed. The worker asks
    every second and skips those rows: an unsubscribe takes effect within a second."""
    with db.session() as session:
        lists = session.execute(select(Send.lists).where(Send.id == send_id)).scalar_one()
        return _no_longer_wanted(
            session,
            lists,
            T.c.send_id == send_id,
            T.c.status == D.sending,
            T.c.claimed_by == worker_id,
        )


def _no_longer_wanted(session: Session | Connection, lists: list[str], *where: Any) -> set[int]:
    subscriber: Table = Subscriber.__table__  # type: ignore[assignment]
    optout: Table = ListOptOut.__table__  # type: ignore[assignment]
    opted_out = exists().where(
        optout.c.subscriber_id == T.c.subscriber_id, optout.c.list_id.in_(lists or [""])
    )
    query = (
        select(T.c.id)
        .select_from(T.outerjoin(subscriber, subscriber.c.id == T.c.subscriber_id))
        .where(
            *where,
            or_(
                subscriber.c.id.is_(None),
                subscriber.c.status != SubscriberStatus.active.value,
                opted_out,
            ),
        )
    )
    return set(session.execute(query).scalars())


# --- recording -----------------------------------------------------------------------


def record(db: Database, worker_id: str, outcomes: Sequence[RowUpdate]) -> int:
    """Write outcomes of rows this worker claimed (others' rows are left alone): one
    ``executemany`` of one statement built once, on a plain connection (no ORM
    session) and through the driver (``DriverStatement``): about 0.1 ms a batch and
    10 µs a row on SQLite, against 0.2 ms and 25 µs through ``Connection.execute``."""
    if not outcomes:
        return 0
    sent = D.sent
    params = [
        {
            "b_id": o.id,
            "b_worker": worker_id,
            "b_status": o.status,
            "b_reply": o.reply[:2000],
            "b_note": o.note.msgid if o.note else "",
            "b_note_params": o.note.stored_params() if o.note else None,
            "b_sent_at": o.at if o.status is sent else None,
            "b_next": o.next_attempt_at,
            "b_at": o.at,
        }
        for o in outcomes
    ]
    with db.engine.begin() as connection:
        _RECORD.execute(connection, params)
    return len(params)


#: the statement of ``record``, built once (building it costs more than running it)
_RECORD = DriverStatement(
    update(T)
    .where(
        T.c.id == bindparam("b_id"),
        T.c.claimed_by == bindparam("b_worker"),
        T.c.status == D.sending,
    )
    .values(
        status=bindparam("b_status"),
        last_reply=bindparam("b_reply"),
        reply_note=bindparam("b_note"),
        reply_note_params=bindparam("b_note_params", type_=JSON(none_as_null=True)),
        sent_at=bindparam("b_sent_at"),
        next_attempt_at=bindparam("b_next"),
        claimed_by=None,
        updated_at=bindparam("b_at"),
    )
)


def release(db: Database, worker_id: str, ids: Sequence[int]) -> None:
    """Give back claimed rows that were never attempted (on pause or shutdown)."""
    if not ids:
        return
    with db.session() as session:
        session.execute(
            update(T)
            .where(T.c.id.in_(list(ids)), T.c.claimed_by == worker_id, T.c.status == D.sending)
            .values(status=D.queued, claimed_by=None, attempts=T.c.attempts - 1)
        )


def release_all(db: Database, worker_id: str) -> int:
    """Give back every row still claimed by ``worker_id`` (it starts again after an
    error: those rows were claimed by its previous run, whose results are lost)."""
    with db.session() as session:
        result = session.execute(
            update(T)
            .where(T.c.claimed_by == worker_id, T.c.status == D.sending)
            .values(status=D.queued, claimed_by=None, updated_at=utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0)


def mark_bounced(session: Session, delivery_id: int, reason: str) -> int | None:
    """A bounce came back for a delivery; returns its subscriber id (None if unknown)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    delivery.status = D.bounced
    delivery.last_reply = reason[:2000]
    delivery.reply_note, delivery.reply_note_params = "", None
    delivery.updated_at = utcnow()
    return delivery.subscriber_id


def retry_now(session: Session, send_id: int) -> None:
    """Make every waiting retry due at once (the coordinator resumed the send)."""
    session.execute(
        update(T)
        .where(T.c.send_id == send_id, T.c.status == D.failed_temporary)
        .values(next_attempt_at=utcnow())
    )


def requeue_failed(session: Session, send_id: int) -> int:
    """Queue the permanently failed rows again (the coordinator asked to retry them)."""
    result = session.execute(
        update(T)
        .where(T.c.send_id == send_id, T.c.status == D.failed_permanent)
        .values(status=D.queued, next_attempt_at=None, claimed_by=None, updated_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_open(session: Session, send_id: int) -> int:
    """Mark every row not yet sent as skipped (the send was cancelled); a server's reply
    to an earlier attempt stays."""
    result = session.execute(
        update(T)
        .where(T.c.send_id == send_id, T.c.status.in_([D.queued, D.failed_temporary]))
        .values(
            status=D.skipped,
            reply_note=notes.CANCELLED,
            reply_note_params=None,
            updated_at=utcnow(),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- workers and crash recovery ------------------------------------------------------


def register_worker(db: Database, worker_id: str) -> None:
    with db.session() as session:
        session.merge(DeliveryWorker(id=worker_id, hostname=HOSTNAME, pid=os.getpid()))


def heartbeat(db: Database, worker_id: str) -> None:
    with db.session() as session:
        session.execute(
            update(DeliveryWorker)
            .where(DeliveryWorker.id == worker_id)
            .values(heartbeat_at=utcnow())
        )


def unregister_worker(db: Database, worker_id: str) -> None:
    with db.session() as session:
        session.execute(delete(DeliveryWorker).where(DeliveryWorker.id == worker_id))


def pid_alive(pid: int) -> bool:
    """Whether a process of this host still runs (a lease holder, a supervised task)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(db: Database, lease: timedelta, now: datetime | None = None) -> int:
    """Put back into the queue the ``sending`` rows of workers that are gone.

    A worker is gone when it has no row, its heartbeat is older than ``lease``, or it
    ran on this host and its process no longer exists (``kill -9``). Its rows may have
    been in flight: they are sent again, which is the bounded duplicate window."""
    now = now or utcnow()
    with db.session() as session:
        owners = session.execute(
            select(T.c.claimed_by).where(T.c.status == D.sending).distinct()
        ).scalars()
        gone: list[str | None] = []
        for owner in owners:
            if owner is None:
                gone.append(owner)
                continue
            worker = session.get(DeliveryWorker, owner)
            if (
                worker is None
                or worker.heartbeat_at < now - lease
                or (worker.hostname == HOSTNAME and not pid_alive(worker.pid))
            ):
                gone.append(owner)
        count = 0
        for owner in gone:
            condition = T.c.claimed_by.is_(None) if owner is None else T.c.claimed_by == owner
            result = session.execute(
                update(T)
                .where(T.c.status == D.sending, condition)
                .values(status=D.queued, claimed_by=None, updated_at=now)
            )
            count += int(getattr(result, "rowcount", 0) or 0)
            if owner is not None:
                session.execute(delete(DeliveryWorker).where(DeliveryWorker.id == owner))
        return count


# --- counting ------------------------------------------------------------------------


def counts(session: Session, send_id: int) -> dict[D, int]:
    rows = session.execute(
        select(T.c.status, func.count()).where(T.c.send_id == send_id).group_by(T.c.status)
    ).all()
    out = {status: 0 for status in D}
    for status, number in rows:
        out[D(status)] = number
    return out


def next_retry_at(session: Session, send_id: int) -> datetime | None:
    value: datetime | None = session.execute(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.send_id == send_id, Delivery.status == D.failed_temporary
        )
    ).scalar()
    return value


def used_in_window(session: Session, since: datetime) -> int:
    """Messages sent since ``since`` plus those being sent now, across every send."""
    sent = session.execute(select(func.count()).where(T.c.sent_at >= since)).scalar_one()
    sending = session.execute(select(func.count()).where(T.c.status == D.sending)).scalar_one()
    return int(sent) + int(sending)


def oldest_sent_since(session: Session, since: datetime) -> datetime | None:
    value: datetime | None = session.execute(
        select(func.min(Delivery.sent_at)).where(Delivery.sent_at >= since)
    ).scalar()
    return value
