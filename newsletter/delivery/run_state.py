"""The state of one run of the delivery worker, and its patient database calls.

``run.Run`` is this state with its parts (``feeder``, ``lanes``, ``recorder``,
``conclusion``), each a class of its own module over this one; the module docstring of
``worker`` tells how they work together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from newsletter.delivery.failure_window import Window
from newsletter.delivery.outbox import Claimed, RowUpdate
from newsletter.delivery.progress import RunEnd
from newsletter.faults import Fault, fault_of
from newsletter.i18n import Msg
from newsletter.store.base import utcnow

if TYPE_CHECKING:
    from newsletter.delivery.worker import MessageFactory, Worker

log = logging.getLogger("newsletter.delivery.worker")
P = ParamSpec("P")
R = TypeVar("R")

HEARTBEAT_SECONDS = 5.0
STATUS_POLL_SECONDS = 0.5
#: no wait lasts longer than this without looking at stop and halt again
WAIT_STEP = 1.0


class Abandoned(Exception):
    """Stop was asked and the database did not answer within STOP_DRAIN_SECONDS."""


@dataclass
class Batch:
    """Results waiting to be written together; ``written`` is set once they are."""

    updates: list[RowUpdate] = field(default_factory=list)
    permanent: list[tuple[int, str]] = field(default_factory=list)
    written: asyncio.Event = field(default_factory=asyncio.Event)
    #: lanes that wait for this batch to be written before their next message
    waiting: int = 0
    #: their futures, settled once the batch is written (or by their own timer)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def settle(self) -> None:
        """Wake the lanes waiting for this batch (it is written)."""
        for waiter in self.waiters:
            settle(waiter)
        self.waiters.clear()


def settle(waiter: asyncio.Future[None]) -> None:
    """Wake the task awaiting ``waiter`` (written, or its time is up: it looks again)."""
    if not waiter.done():
        waiter.set_result(None)


class RunState:
    """State of one ``run_send`` call."""

    def __init__(
        self, worker: Worker, send_id: int, factory: MessageFactory, stop: asyncio.Event
    ) -> None:
        self.w = worker
        self.send_id = send_id
        self.factory = factory
        self.stop = stop
        self.queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=worker.batch_size * 2)
        self.pending = Batch()
        self.progress = worker.totals
        settings = worker.settings
        self.window = worker.windows.setdefault(send_id, Window(settings.auto_pause_window))
        self.min_results = min(settings.auto_pause_min_results, settings.auto_pause_window)
        self.halt = asyncio.Event()  # stop claiming and sending (pause, cancel, stop)
        self.halt_reason: Msg | None = None
        self.halt_end = RunEnd.stopped
        self.abandon = False  # stop was asked long enough ago: give up waiting
        self.abandoned = asyncio.Event()  # set with ``abandon``
        self.unsent: list[int] = []
        self.unwritten = 0
        self.gone: set[int] = set()  # claimed rows whose subscriber left since the claim
        self.last_reply: Msg = Msg("")
        self.wake = asyncio.Event()  # results are waiting for the recorder
        #: enough lanes (a quarter) wait for the pending batch: write it now
        self.due = asyncio.Event()
        self.due_at = max(1, worker.lanes // 4)
        self.done = False
        self.issue_id = 0
        self.started: datetime = utcnow()

    # --- the database, patiently -----------------------------------------------------

    async def db(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``func`` in the DB thread, tried again while the database is down or the disk
        full (the progress says so); ``Abandoned`` once stop was asked long enough ago."""
        delay = 0.2
        while True:
            try:
                result = await self.w.in_db_thread(func, *args, **kwargs)
            except Exception as error:
                fault = fault_of(error)
                if fault is None:
                    raise
                if self.abandon:
                    raise Abandoned from error
                self._waiting(fault)
                log.warning("%s; trying again in %.1f s", fault.msg(), delay)
                await self._sleep(delay, self.abandoned)
                delay = min(5.0, delay * 2)
                continue
            self._waiting(None)
            return result

    async def abandon_after_stop(self) -> None:
        """Give up waiting for the database STOP_DRAIN_SECONDS after ``stop``."""
        while not self.stop.is_set():
            await self._sleep(WAIT_STEP, self.stop)
        await self._give_up_after_drain()

    async def _give_up_after_drain(self) -> None:
        """STOP_DRAIN_SECONDS after stop: every wait for the database gives up."""
        await asyncio.sleep(self.w.stop_drain_seconds)
        self.abandon = True
        self.abandoned.set()

    def _waiting(self, fault: Fault | None) -> None:
        if fault == self.progress.fault:
            return
        self.progress.fault = fault
        self.progress.note = fault.waiting() if fault else ""
        self._report()

    async def _sleep(self, seconds: float, event: asyncio.Event) -> None:
        """Sleep ``seconds`` in steps of at most WAIT_STEP, less when ``event`` is set."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while not event.is_set():
            left = end - loop.time()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, WAIT_STEP)):
                    await event.wait()

    async def _try(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """One attempt; None when the database is down (for polls that come again)."""
        try:
            return await self.w.in_db_thread(func, *args, **kwargs)
        except Exception as error:
            if fault_of(error) is None:
                raise
            return None

    def _halt(self, end: RunEnd, reason: Msg | None = None) -> None:
        if not self.halt.is_set():
            self.halt_end = end
            self.halt_reason = reason
            self.halt.set()

    def _report(self) -> None:
        if self.w.progress is not None:
            self.w.progress(self.progress)
