"""What a run of the delivery worker reports: running totals and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from newsletter.faults import Fault
from newsletter.i18n import Msg


class RunEnd(StrEnum):
    finished = "finished"  # nothing left to send: the issue is marked sent
    waiting = "waiting"  # only retries left, due later (see next_retry_at)
    busy = "busy"  # rows held by another worker
    paused = "paused"  # paused (by the coordinator or automatically) or cancelled
    stopped = "stopped"  # stop was asked (SIGTERM)


@dataclass
class Progress:
    """Running totals of a worker, passed to the progress callback after each write."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    note: str = ""  # a message id (N_): why the worker waits, "" when it does not
    fault: Fault | None = None  # the database or disk fault it waits on


@dataclass
class RunResult:
    end: RunEnd
    progress: Progress
    next_retry_at: datetime | None = None
    #: why it paused, translated when shown
    reason: Msg | None = None
    unwritten: int = 0  # results given up on at stop (the database never answered)
    relay_down: bool = False  # paused because the SMTP relay did not answer
