"""Retry policy: exponential backoff with jitter, until the send is too old."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsletter.config import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (1-based) that failed temporarily is retried after
    ``base * factor**(n-1)`` seconds (at most ``max_delay``), times a random factor in
    [1 - jitter, 1 + jitter]; a failure once the send is older than ``max_age`` is final."""

    base: float = 60.0
    factor: float = 2.0
    max_delay: float = 3600.0
    jitter: float = 0.3
    max_age: timedelta = timedelta(hours=72)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: float) -> RetryPolicy:
        policy = cls(max_age=timedelta(hours=settings.retry_max_age_hours))
        if overrides:
            from dataclasses import replace

            policy = replace(policy, **overrides)  # type: ignore[arg-type]
        return policy

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        raw = min(self.max_delay, self.base * self.factor ** max(0, attempts - 1))
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return raw * spread

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.delay(attempts))

    def expired(self, send_started: datetime, now: datetime) -> bool:
        """True once temporary failures must become permanent."""
        return now - send_started >= self.max_age
