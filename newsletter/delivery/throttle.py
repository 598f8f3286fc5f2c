"""Throttling: a token bucket in messages per second, and hourly/daily caps.

The rate limits one process; the caps are counted from the outbox (messages sent in
the last hour/day, plus those being sent), so they hold across restarts and across
several sender processes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from newsletter.config import Settings


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``burst``.

    ``rate`` 0 means unlimited. Fair between concurrent callers: each acquisition
    reserves the next free slot (a virtual-clock form of the token bucket)."""

    def __init__(self, rate: float, burst: int = 1, clock: float | None = None) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._next = clock if clock is not None else time.monotonic()

    async def acquire(self) -> None:
        delay = self.reserve(time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)

    def reserve(self, now: float) -> float:
        """Reserve one slot at ``now``; seconds to wait before using it."""
        if self.rate <= 0:
            return 0.0
        interval = 1.0 / self.rate
        earliest = now - (self.burst - 1) * interval
        start = max(self._next, earliest)
        self._next = start + interval
        return max(0.0, start - now)


class Caps:
    """Hourly and daily caps. ``allowance`` says how many more messages may go now."""

    def __init__(self, hourly: int, daily: int) -> None:
        self.hourly = hourly
        self.daily = daily

    @classmethod
    def from_settings(cls, settings: Settings) -> Caps:
        return cls(settings.send_hourly_cap, settings.send_daily_cap)

    @property
    def active(self) -> bool:
        return self.hourly > 0 or self.daily > 0

    def windows(self, now: datetime) -> list[tuple[int, datetime]]:
        """(cap, window start) for every configured cap."""
        out = []
        if self.hourly:
            out.append((self.hourly, now - timedelta(hours=1)))
        if self.daily:
            out.append((self.daily, now - timedelta(days=1)))
        return out
