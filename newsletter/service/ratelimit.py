"""Rate limits kept in the database, so they hold across workers and restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from newsletter.context import Context
from newsletter.store.base import utcnow
from newsletter.store.web import RateHit

#: hits older than this are deleted now and then
KEEP = timedelta(days=1)


class RateLimiter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def count(self, bucket: str, key: str, window: timedelta) -> int:
        since = utcnow() - window
        with self.ctx.db.session() as session:
            return int(
                session.scalar(
                    select(func.count(RateHit.id)).where(
                        RateHit.bucket == bucket, RateHit.key == key, RateHit.at >= since
                    )
                )
                or 0
            )

    def exceeded(self, bucket: str, key: str, limit: int, window: timedelta) -> bool:
        """True when ``key`` already has ``limit`` hits or more in ``window``."""
        return self.count(bucket, key, window) >= limit

    def hit(self, bucket: str, key: str) -> None:
        now = utcnow()
        with self.ctx.db.session() as session:
            session.add(RateHit(bucket=bucket, key=key[:320], at=now))
            session.execute(delete(RateHit).where(RateHit.at < now - KEEP))

    def clear(self, bucket: str, key: str) -> None:
        with self.ctx.db.session() as session:
            session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.key == key))
