"""Rate limits kept in the database, so they hold across workers and restarts.

Checking and counting happen in one transaction that holds a lock on the
(bucket, key) pair — an advisory lock on PostgreSQL, the database's write lock on
SQLite — so parallel requests cannot all read "4 of 5" and all pass.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsletter.context import Context
from newsletter.store.access import RateHit
from newsletter.store.base import utcnow

#: hits older than this are deleted now and then
KEEP = timedelta(days=1)
#: tries of a locked step that SQLite refused (stale snapshot)
ATTEMPTS = 20
T = TypeVar("T")


class RateLimiter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _lock(self, session: Session, pairs: list[tuple[str, str]], now: datetime) -> None:
        """Serialise the transactions working on these (bucket, key) pairs until commit."""
        if self.ctx.db.is_postgres:
            ids = sorted({zlib.crc32(f"{b}\0{k}".encode()) - 2**31 for b, k in pairs})
            for lock_id in ids:  # in one order: two steps never wait on each other
                session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        # on SQLite any write takes the database's write lock for the transaction
        session.execute(delete(RateHit).where(RateHit.at < now - KEEP))

    @staticmethod
    def _hits(
        session: Session, bucket: str, key: str, since: datetime
    ) -> tuple[int, datetime | None]:
        row = session.execute(
            select(func.count(RateHit.id), func.max(RateHit.at)).where(
                RateHit.bucket == bucket, RateHit.key == key[:320], RateHit.at >= since
            )
        ).one()
        return int(row[0] or 0), row[1]

    def count(self, bucket: str, key: str, window: timedelta) -> int:
        with self.ctx.db.session() as session:
            return self._hits(session, bucket, key, utcnow() - window)[0]

    def _atomic(self, pairs: list[tuple[str, str]], step: Callable[[Session, datetime], T]) -> T:
        """Run ``step`` in a transaction that holds the locks of the (bucket, key) pairs.
        SQLite may refuse a write whose snapshot another writer just made stale: try
        again then."""
        for attempt in range(ATTEMPTS):
            try:
                with self.ctx.db.session() as session:
                    self._lock(session, pairs, utcnow())
                    return step(session, utcnow())  # the time once the locks are held
            except OperationalError:
                if self.ctx.db.is_postgres or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def exceeded_then_hit(self, bucket: str, key: str, limit: int, window: timedelta) -> bool:
        """Atomically: True when ``key`` already has ``limit`` hits in ``window`` (nothing
        is counted then); otherwise count this one and return False."""

        def step(session: Session, now: datetime) -> bool:
            if self._hits(session, bucket, key, now - window)[0] >= limit:
                return True
            session.add(RateHit(bucket=bucket, key=key[:320], at=now))
            return False

        return self._atomic([(bucket, key)], step)

    def exceeded_then_hit_all(self, rules: Sequence[tuple[str, str, int, timedelta]]) -> bool:
        """Atomically, over several (bucket, key, limit, window) rules: True when one of
        them is already at its limit (nothing is counted then); otherwise count a hit in
        every rule and return False."""

        def step(session: Session, now: datetime) -> bool:
            for bucket, key, limit, window in rules:
                if self._hits(session, bucket, key, now - window)[0] >= limit:
                    return True
            for bucket, key, _limit, _window in rules:
                session.add(RateHit(bucket=bucket, key=key[:320], at=now))
            return False

        return self._atomic([(bucket, key) for bucket, key, _l, _w in rules], step)

    def wait_then_hit(
        self, bucket: str, key: str, window: timedelta, delay: Callable[[int], float]
    ) -> float:
        """Growing delays: with n hits in ``window``, the next is allowed ``delay(n)``
        seconds after the last one. Returns 0 and counts this hit when allowed, else the
        seconds still to wait (nothing counted)."""

        def step(session: Session, now: datetime) -> float:
            count, last = self._hits(session, bucket, key, now - window)
            if count and last is not None and delay(count) > 0:
                remaining = delay(count) - (now - last).total_seconds()
                if remaining > 0:
                    return remaining
            session.add(RateHit(bucket=bucket, key=key[:320], at=now))
            return 0.0

        return self._atomic([(bucket, key)], step)

    def hit(self, bucket: str, key: str) -> None:
        """Count one event without a check (a limit is checked with ``exceeded_then_hit``)."""
        now = utcnow()
        with self.ctx.db.session() as session:
            session.add(RateHit(bucket=bucket, key=key[:320], at=now))
            session.execute(delete(RateHit).where(RateHit.at < now - KEEP))

    def clear(self, bucket: str, key: str) -> None:
        with self.ctx.db.session() as session:
            session.execute(
                delete(RateHit).where(RateHit.bucket == bucket, RateHit.key == key[:320])
            )
