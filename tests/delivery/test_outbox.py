"""The outbox on SQLite and PostgreSQL: snapshot, claims, skips, recovery, caps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

from sqlalchemy import Table, delete, select, text, update

from newsletter.audience.segments import Segment, iter_recipients
from newsletter.context import Context
from newsletter.delivery import notes, outbox, snapshots
from newsletter.delivery.identity import message_id
from newsletter.delivery.outbox import RowUpdate
from newsletter.i18n import Msg
from newsletter.models import DeliveryStatus as D
from newsletter.models import Language, Membership, SubscriberStatus
from newsletter.store.audience import ListOptOut, Subscriber
from newsletter.store.base import utcnow
from newsletter.store.delivery import Delivery, DeliveryWorker
from tests.delivery.helpers import add_issue, add_subscribers


def _snapshot(ctx: Context, count: int, lists: list[str] | None = None) -> tuple[int, int]:
    recipients = add_subscribers(ctx, count)
    issue_id = add_issue(ctx)
    with ctx.db.session() as session:
        # the same person twice (two lists) is written once
        send = snapshots.snapshot(session, ctx.settings, issue_id, lists or ["tous"],
                               recipients + recipients[:3])  # fmt: skip
        return issue_id, send.id


def test_snapshot_writes_one_row_per_recipient(ctx: Context) -> None:
    issue_id, send_id = _snapshot(ctx, 25)
    with ctx.db.session() as session:
        assert outbox.get_send(session, issue_id) is not None
        tally = outbox.counts(session, send_id)
        rows = session.scalars(select(Delivery).where(Delivery.send_id == send_id)).all()
    assert tally[D.queued] == 25 and sum(tally.values()) == 25
    assert len({r.message_id for r in rows}) == 25
    assert all(r.message_id.startswith(f"<issue-{issue_id}.") for r in rows)


def _stored(ctx: Context, send_id: int) -> list[tuple[object, ...]]:
    """The rows of a send as the database holds them (no type processing on the way)."""
    query = text("SELECT * FROM deliveries WHERE send_id = :send ORDER BY subscriber_id")
    with ctx.db.session() as session:
        return [tuple(row)[1:] for row in session.execute(query, {"send": send_id})]


@dataclass(frozen=True)
class _Person:
    """A recipient as callers give them: language and membership as enums or values."""

    subscriber_id: int
    email: str
    name: str
    language: Language | str
    membership: Membership | str


def test_snapshot_rows_are_what_sqlalchemys_insert_wrote(ctx: Context) -> None:
    """The snapshot writes on the DBAPI connection: every stored value (enums, times,
    defaults, Message-IDs) is the one SQLAlchemy's insert of the same rows stored."""
    people = [
        _Person(i, f"p{i}@example.org", "" if i % 5 == 0 else f"Personne {i} é",
             [Language.fr, "nl"][i % 2], [Membership.full, "adherent", Membership.none][i % 3])
        for i in range(1, 40)
    ]  # fmt: skip
    # an issue's rows, and rows that all carry one given Message-ID (a post's relay)
    for issue_id, given in ((add_issue(ctx), ""), (add_issue(ctx), "<post-7@example.org>")):
        with ctx.db.session() as session:
            send = snapshots.snapshot(session, ctx.settings, issue_id, ["tous"], people,
                                   message_id=given)  # fmt: skip
            send_id = send.id
        with ctx.db.session() as session:
            now = session.scalars(select(Delivery.created_at).where(Delivery.send_id == send_id))
            created = next(iter(now))
        ours = _stored(ctx, send_id)
        table: Table = Delivery.__table__  # type: ignore[assignment]
        with ctx.db.session() as session:
            session.execute(delete(table).where(table.c.send_id == send_id))
            session.execute(table.insert(), [
                {"send_id": send_id, "issue_id": issue_id, "subscriber_id": p.subscriber_id,
                 "email": p.email, "name": p.name or "", "language": Language(p.language),
                 "membership": Membership(p.membership), "status": D.queued, "attempts": 0,
                 "last_reply": "",
                 "message_id": given or message_id(ctx.settings, issue_id, p.subscriber_id),
                 "created_at": created, "updated_at": created}
                for p in people
            ])  # fmt: skip
        assert len(ours) == len(people) and ours == _stored(ctx, send_id)


def test_claims_are_disjoint_and_releases_return_rows(ctx: Context) -> None:
    _, send_id = _snapshot(ctx, 30)
    first, _ = outbox.claim(ctx.db, send_id, "w1", 12)
    second, _ = outbox.claim(ctx.db, send_id, "w2", 12)
    third, _ = outbox.claim(ctx.db, send_id, "w3", 12)
    ids = [c.id for c in first + second + third]
    assert len(first) == 12 and len(second) == 12 and len(third) == 6
    assert len(ids) == len(set(ids)) == 30
    assert all(c.attempts == 1 for c in first)
    assert outbox.claim(ctx.db, send_id, "w4", 12) == ([], 0)
    outbox.release(ctx.db, "w1", [c.id for c in first[:5]])
    outbox.release(ctx.db, "w2", [c.id for c in first[5:]])  # not w2's: ignored
    again, _ = outbox.claim(ctx.db, send_id, "w4", 50)
    assert sorted(c.id for c in again) == sorted(c.id for c in first[:5])
    assert all(c.attempts == 1 for c in again)


def test_unsubscribed_and_opted_out_rows_are_skipped_at_claim(ctx: Context) -> None:
    _, send_id = _snapshot(ctx, 10, lists=["tous", "membres"])
    with ctx.db.session() as session:
        ids = [d.subscriber_id for d in session.scalars(
            select(Delivery).where(Delivery.send_id == send_id).order_by(Delivery.id))]  # fmt: skip
        session.execute(update(Subscriber).where(Subscriber.id == ids[0])
                        .values(status=SubscriberStatus.unsubscribed))  # fmt: skip
        session.execute(update(Subscriber).where(Subscriber.id == ids[1])
                        .values(status=SubscriberStatus.bounced))  # fmt: skip
        session.add(ListOptOut(subscriber_id=ids[2], list_id="membres"))
        session.add(ListOptOut(subscriber_id=ids[3], list_id="autre-liste"))
    claimed, skipped = outbox.claim(ctx.db, send_id, "w1", 100)
    assert skipped == 3
    assert sorted(c.subscriber_id for c in claimed) == sorted(ids[3:])
    with ctx.db.session() as session:
        tally = outbox.counts(session, send_id)
    assert tally[D.skipped] == 3 and tally[D.sending] == 7


def test_record_and_temporary_rows_wait_for_their_time(ctx: Context) -> None:
    _, send_id = _snapshot(ctx, 3)
    claimed, _ = outbox.claim(ctx.db, send_id, "w1", 10)
    now = utcnow()
    outbox.record(ctx.db, "w1", [
        RowUpdate(claimed[0].id, D.sent, "250 ok", now),
        RowUpdate(claimed[1].id, D.failed_permanent, "550 no such user", now),
        RowUpdate(claimed[2].id, D.failed_temporary, "451 later", now, now + timedelta(hours=1)),
    ])  # fmt: skip
    # a worker cannot overwrite rows it does not hold
    outbox.record(ctx.db, "w2", [RowUpdate(claimed[0].id, D.failed_permanent, "x", now)])
    with ctx.db.session() as session:
        tally = outbox.counts(session, send_id)
        replies = dict(session.execute(select(Delivery.id, Delivery.last_reply)).all())
        assert outbox.next_retry_at(session, send_id) is not None
    assert (tally[D.sent], tally[D.failed_permanent], tally[D.failed_temporary]) == (1, 1, 1)
    assert replies[claimed[1].id] == "550 no such user"
    assert outbox.claim(ctx.db, send_id, "w1", 10) == ([], 0)
    later, _ = outbox.claim(ctx.db, send_id, "w1", 10, now=now + timedelta(hours=2))
    assert [c.id for c in later] == [claimed[2].id] and later[0].attempts == 2


def test_recover_stale_requeues_rows_of_dead_workers_only(ctx: Context) -> None:
    _, send_id = _snapshot(ctx, 9)
    outbox.register_worker(ctx.db, "alive")
    outbox.register_worker(ctx.db, "dead")
    outbox.register_worker(ctx.db, "silent")
    with ctx.db.session() as session:
        session.execute(update(DeliveryWorker).where(DeliveryWorker.id == "dead")
                        .values(pid=2**22 + 12345))  # fmt: skip
        session.execute(update(DeliveryWorker).where(DeliveryWorker.id == "silent")
                        .values(heartbeat_at=utcnow() - timedelta(minutes=10)))  # fmt: skip
    for worker in ("alive", "dead", "silent"):
        outbox.claim(ctx.db, send_id, worker, 3)
    assert outbox.recover_stale(ctx.db, timedelta(seconds=60)) == 6
    with ctx.db.session() as session:
        query = select(Delivery.claimed_by).where(Delivery.status == D.sending)
        owners = session.execute(query).scalars().all()
        assert session.get(DeliveryWorker, "dead") is None
        assert session.get(DeliveryWorker, "alive") is not None
    assert owners == ["alive"] * 3


def test_caps_count_sent_and_sending_rows(ctx: Context) -> None:
    _, send_id = _snapshot(ctx, 6)
    claimed, _ = outbox.claim(ctx.db, send_id, "w1", 4)
    now = utcnow()
    outbox.record(ctx.db, "w1", [RowUpdate(c.id, D.sent, "250", now) for c in claimed[:3]])
    with ctx.db.session() as session:
        assert outbox.used_in_window(session, now - timedelta(hours=1)) == 4
        assert outbox.used_in_window(session, now + timedelta(seconds=1)) == 1
        assert outbox.oldest_sent_since(session, now - timedelta(hours=1)) is not None


def test_a_snapshot_streamed_from_the_lists_spans_several_fetches_and_inserts(
    ctx: Context,
) -> None:
    """The recipients are read in batches while the rows are written on the same
    connection (more than one batch of each): every active subscriber once."""
    everyone = {"tous": Segment(id="tous", title={"fr": "Tous", "nl": "Allen"})}
    people = add_subscribers(ctx, 2 * snapshots.SNAPSHOT_CHUNK + 7)
    issue_id = add_issue(ctx)
    with ctx.db.session() as session:
        stream = iter_recipients(session, everyone, ["tous"])
        send = snapshots.snapshot(session, ctx.settings, issue_id, ["tous"], stream)
        send_id = send.id
    with ctx.db.session() as session:
        rows = session.execute(
            select(Delivery.subscriber_id, Delivery.message_id).where(Delivery.send_id == send_id)
        ).all()
    assert sorted(r.subscriber_id for r in rows) == [p.subscriber_id for p in people]
    assert all(r.message_id == message_id(ctx.settings, issue_id, r.subscriber_id) for r in rows)


def test_results_written_through_the_driver_read_back_as_written(ctx: Context) -> None:
    """``record`` runs on the driver with SQLAlchemy's own conversions: every value
    reads back through the ORM as it was given (times in UTC, enums, notes with their
    parameters, a reply with quotes, percent signs and non-ASCII text)."""
    _, send_id = _snapshot(ctx, 3)
    claimed, _ = outbox.claim(ctx.db, send_id, "w1", 10)
    at = utcnow().replace(microsecond=123456)
    retry_at = at + timedelta(minutes=7)
    brussels = at.astimezone(timezone(timedelta(hours=1)))  # any zone: stored as UTC
    reply = "451 4.7.1 'grey' 100% \"later\" — réessayez"
    note = Msg(notes.GAVE_UP, {"attempts": 3})
    outbox.record(ctx.db, "w1", [
        RowUpdate(claimed[0].id, D.sent, "250 2.0.0 Ok: queued as 4XyZ", brussels),
        RowUpdate(claimed[1].id, D.failed_temporary, reply, at, retry_at),
        RowUpdate(claimed[2].id, D.failed_permanent, "550 5.1.1 gone", at, note=note),
    ])  # fmt: skip
    with ctx.db.session() as session:
        rows = {
            d.id: d for d in session.scalars(select(Delivery).where(Delivery.send_id == send_id))
        }
    sent, later, failed = (rows[c.id] for c in claimed)
    assert (sent.status, sent.sent_at, sent.updated_at, sent.claimed_by) == (D.sent, at, at, None)
    assert sent.last_reply == "250 2.0.0 Ok: queued as 4XyZ" and sent.reply_note == ""
    assert sent.reply_note_params is None
    assert (later.status, later.last_reply, later.next_attempt_at, later.sent_at) == (
        D.failed_temporary, reply, retry_at, None,
    )  # fmt: skip
    assert (failed.status, failed.reply_note, failed.reply_note_params) == (
        D.failed_permanent, notes.GAVE_UP, note.stored_params(),
    )  # fmt: skip
    assert all(row.updated_at.tzinfo is not None for row in rows.values())
