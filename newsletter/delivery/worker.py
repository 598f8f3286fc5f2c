"""The delivery worker: claims rows from the outbox, sends them, records the results.

Inside one process: a *feeder* claims batches into a bounded queue, ``lanes``
concurrent tasks (one per SMTP connection) take rows, build each message
(``MessageFactory``), wait for the token bucket and call the transport, and a
*recorder* writes results back in small batches (every ``flush_interval`` seconds or
``flush_size`` results) and beats the worker's heartbeat.

Crash bound: after ``kill -9``, the rows of the dead worker that are still
``sending`` go back to the queue (``outbox.recover_stale``) and are sent again. A
recipient can therefore receive the issue twice only if the server accepted the
message but its result was not yet written. Results are written every
``FLUSH_INTERVAL`` (0.05 s) or as soon as ``FLUSH_SIZE`` (128) are waiting, and lanes
stop sending while that many are waiting, so the unwritten results are at most those
of one write in progress plus those waiting, each ≤ ``FLUSH_SIZE + lanes``: **at most
2 × (128 + lanes) recipients (288 with 16 connections) can get a second copy**, in
practice what is sent in about 0.05–0.1 s. SIGTERM (``stop``) stops claiming, lets
in-flight messages finish, writes every result and gives back the rows not attempted:
zero duplicates. Both copies of a duplicate carry the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ParamSpec, Protocol, TypeVar

from newsletter.config import Settings
from newsletter.delivery import outbox
from newsletter.delivery.outbox import Claimed, Outcome
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.throttle import Caps, TokenBucket
from newsletter.delivery.transport import Outcome as Result
from newsletter.delivery.transport import RecipientResult, Transport
from newsletter.editorial.issue_status import transition_issue
from newsletter.i18n import DEFAULT_LANGUAGE, N_, gettext
from newsletter.models import DeliveryStatus as D
from newsletter.models import IssueStatus
from newsletter.store.base import utcnow
from newsletter.store.db import Database
from newsletter.store.delivery import Send
from newsletter.store.editorial import Issue

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

LEASE = timedelta(seconds=60)
HEARTBEAT_SECONDS = 5.0
STATUS_POLL_SECONDS = 0.5
#: the failure share is judged once this many results are in the window
MIN_SAMPLE = 10
#: results are written at least this often, and as soon as this many are waiting
AUTO_PAUSED = N_("{failed} of the last {window} messages failed; last reply: {reply}")
FLUSH_INTERVAL = 0.05
FLUSH_SIZE = 128


class MessageFactory(Protocol):
    def __call__(self, row: Claimed) -> tuple[bytes, str]:
        """(finished message bytes, envelope sender) for one claimed delivery."""
        ...


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
    note: str = ""


@dataclass
class RunResult:
    end: RunEnd
    progress: Progress
    next_retry_at: datetime | None = None
    reason: str = ""


@dataclass
class _Pending:
    outcomes: list[Outcome] = field(default_factory=list)
    permanent: list[tuple[int, str]] = field(default_factory=list)


class Worker:
    """Sends the outbox rows of one send at a time; see the module docstring."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        transport: Transport,
        *,
        lanes: int | None = None,
        batch_size: int | None = None,
        policy: RetryPolicy | None = None,
        bucket: TokenBucket | None = None,
        caps: Caps | None = None,
        on_permanent: Callable[[list[tuple[int, str]]], None] | None = None,
        progress: Callable[[Progress], None] | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        flush_size: int = FLUSH_SIZE,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport
        self.lanes = lanes or settings.smtp_connections
        self.batch_size = batch_size or settings.send_batch_size
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.bucket = bucket or TokenBucket(settings.send_rate)
        self.caps = caps or Caps.from_settings(settings)
        self.on_permanent = on_permanent
        self.progress = progress
        self.flush_interval = flush_interval
        self.flush_size = flush_size
        self.id = worker_id or f"w-{uuid.uuid4().hex[:16]}"
        self._registered = False
        # one thread (hence one pooled connection) for every database call of the worker
        self._db_thread: ThreadPoolExecutor | None = None
        #: totals over every run of this worker
        self.totals = Progress()

    # --- lifecycle -------------------------------------------------------------------

    def register(self) -> None:
        if not self._registered:
            outbox.register_worker(self.db, self.id)
            self._registered = True

    def unregister(self) -> None:
        if self._registered:
            outbox.unregister_worker(self.db, self.id)
            self._registered = False
        if self._db_thread is not None:
            self._db_thread.shutdown(wait=False)
            self._db_thread = None

    async def in_db_thread(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a blocking database call off the event loop, in the worker's DB thread."""
        if self._db_thread is None:
            self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_thread, lambda: func(*args, **kwargs))

    # --- one send --------------------------------------------------------------------

    async def run_send(
        self, send_id: int, factory: MessageFactory, stop: asyncio.Event
    ) -> RunResult:
        """Send every due row of ``send_id``; returns why it ended."""
        self.register()
        # a fresh heartbeat before claiming: an idle worker's claims must not look stale
        await self.in_db_thread(outbox.heartbeat, self.db, self.id)
        await self.in_db_thread(outbox.recover_stale, self.db, LEASE)
        run = _Run(self, send_id, factory, stop)
        return await run.execute()


class _Run:
    """State of one ``run_send`` call."""

    def __init__(
        self, worker: Worker, send_id: int, factory: MessageFactory, stop: asyncio.Event
    ) -> None:
        self.w = worker
        self.send_id = send_id
        self.factory = factory
        self.stop = stop
        self.queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=worker.batch_size * 2)
        self.pending = _Pending()
        self.progress = worker.totals
        self.window: deque[bool] = deque(maxlen=max(MIN_SAMPLE, worker.batch_size))
        self.window_failures = 0  # failures among the results in ``window``
        self.halt = asyncio.Event()  # stop claiming and sending (pause, cancel, stop)
        self.halt_reason = ""
        self.halt_end = RunEnd.stopped
        self.unsent: list[int] = []
        self.last_reply = ""
        self.flushed = asyncio.Event()
        self.room = asyncio.Event()  # cleared while FLUSH_SIZE results wait to be written
        self.room.set()
        self.done = False
        self.started: datetime = utcnow()

    async def execute(self) -> RunResult:
        with self.w.db.session() as session:
            send = session.get(Send, self.send_id)
            if send is None:
                raise ValueError(f"no send {self.send_id}")
            self.issue_id = send.issue_id
            self.started = send.created_at
        lanes = [asyncio.create_task(self._lane()) for _ in range(self.w.lanes)]
        recorder = asyncio.create_task(self._recorder())
        stopper = asyncio.create_task(self._watch_stop())
        try:
            await self._feed()
            for _ in lanes:
                await self.queue.put(None)
            await asyncio.gather(*lanes)
        finally:
            stopper.cancel()
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, stopper, return_exceptions=True)
            self.done = True
            self.flushed.set()
            await asyncio.gather(recorder, return_exceptions=True)
            # whatever is still queued was claimed but never attempted
            while not self.queue.empty():
                item = self.queue.get_nowait()
                if item is not None:
                    self.unsent.append(item.id)
            await self._flush()
            await self.w.in_db_thread(outbox.release, self.w.db, self.w.id, self.unsent)
        return await self.w.in_db_thread(self._conclude)

    async def _watch_stop(self) -> None:
        """Halt on ``stop``, or as soon as the issue leaves ``sending`` (paused or
        cancelled by the coordinator): claimed rows not yet sent are given back."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=STATUS_POLL_SECONDS)
            if self.stop.is_set():
                break
            status = await self.w.in_db_thread(self._issue_status)
            if status is IssueStatus.sent:  # another sender finished it
                return
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused, "")
                return
        self._halt(RunEnd.stopped, "")

    def _halt(self, end: RunEnd, reason: str) -> None:
        if not self.halt.is_set():
            self.halt_end = end
            self.halt_reason = reason
            self.halt.set()

    # --- feeder ----------------------------------------------------------------------

    async def _feed(self) -> None:
        while not self.halt.is_set():
            status = await self.w.in_db_thread(self._issue_status)
            if status is IssueStatus.sent:  # another sender finished it
                return
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused, "")
                return
            limit = await self._allowance()
            if limit is None:
                continue
            claimed, skipped = await self.w.in_db_thread(
                outbox.claim, self.w.db, self.send_id, self.w.id, limit
            )
            self.progress.skipped += skipped
            if not claimed and not skipped:
                return
            for index, row in enumerate(claimed):
                if self.halt.is_set():
                    self.unsent.extend(r.id for r in claimed[index:])
                    return
                await self.queue.put(row)

    def _issue_status(self) -> IssueStatus:
        with self.w.db.session() as session:
            issue = session.get(Issue, self.issue_id)
            return issue.status if issue else IssueStatus.cancelled

    async def _allowance(self) -> int | None:
        """Rows that may be claimed now under the caps; None after waiting for a cap."""
        caps = self.w.caps
        if not caps.active:
            return self.w.batch_size
        now = utcnow()

        def room() -> tuple[int, datetime | None]:
            best = self.w.batch_size
            wake: datetime | None = None
            with self.w.db.session() as session:
                for cap, since in caps.windows(now):
                    left = cap - outbox.used_in_window(session, since)
                    if left <= 0:
                        oldest = outbox.oldest_sent_since(session, since)
                        free_at = (oldest or now) + (now - since)
                        wake = free_at if wake is None else max(wake, free_at)
                    best = min(best, left)
            return best, wake

        left, wake = await self.w.in_db_thread(room)
        if left > 0:
            return left
        self.progress.note = N_("Sending cap reached; waiting.")
        self._report()
        delay = max(1.0, min(60.0, ((wake or now) - now).total_seconds() + 0.5))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.halt.wait(), timeout=delay)
        self.progress.note = ""
        return None

    # --- lanes -----------------------------------------------------------------------

    async def _lane(self) -> None:
        while True:
            row = await self.queue.get()
            if row is None:
                return
            if self.halt.is_set():
                self.unsent.append(row.id)
                continue
            await self.w.bucket.acquire()
            if self.halt.is_set():
                self.unsent.append(row.id)
                continue
            try:
                message, sender = self.factory(row)
            except Exception as error:  # a message that cannot be built is a permanent failure
                log.exception("building message for delivery %s failed", row.id)
                self._result(row, RecipientResult(row.email, Result.permanent, 0, repr(error)))
                continue
            await self.room.wait()
            results = await self.w.transport.send(message, sender, [row.email])
            self._result(row, results[0])

    def _result(self, row: Claimed, result: RecipientResult) -> None:
        now = utcnow()
        reply = f"{result.code} {result.reply}".strip() if result.code else result.reply
        if result.outcome is Result.sent:
            outcome = Outcome(row.id, D.sent, reply, now)
            self.progress.sent += 1
        elif result.outcome is Result.temporary and not self.w.policy.expired(self.started, now):
            outcome = Outcome(
                row.id, D.failed_temporary, reply, now,
                self.w.policy.next_attempt(row.attempts, now),
            )  # fmt: skip
            self.progress.retrying += 1
        else:
            if result.outcome is Result.temporary:
                reply = f"gave up after {row.attempts} attempts: {reply}"
            outcome = Outcome(row.id, D.failed_permanent, reply, now)
            self.pending.permanent.append((row.subscriber_id, reply))
            self.progress.failed += 1
        self.pending.outcomes.append(outcome)
        failed = result.outcome is not Result.sent
        if len(self.window) == self.window.maxlen and self.window[0]:
            self.window_failures -= 1
        self.window.append(failed)
        self.window_failures += failed
        if failed:
            self.last_reply = reply
        if len(self.pending.outcomes) >= self.w.flush_size:
            self.room.clear()
            self.flushed.set()
        self._judge()

    def _judge(self) -> None:
        """Auto-pause when too large a share of the recent messages failed."""
        if len(self.window) < min(MIN_SAMPLE, self.window.maxlen or MIN_SAMPLE):
            return
        share = self.window_failures / len(self.window)
        if share > self.w.settings.auto_pause_failure_ratio:
            failed = self.window_failures
            reason = gettext(DEFAULT_LANGUAGE, AUTO_PAUSED).format(
                failed=failed, window=len(self.window), reply=self.last_reply
            )
            self._halt(RunEnd.paused, reason)

    # --- recorder --------------------------------------------------------------------

    async def _recorder(self) -> None:
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        while not self.done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flushed.wait(), timeout=self.w.flush_interval)
            self.flushed.clear()
            await self._flush()
            if loop.time() - last_beat > HEARTBEAT_SECONDS:
                await self.w.in_db_thread(outbox.heartbeat, self.w.db, self.w.id)
                last_beat = loop.time()

    async def _flush(self) -> None:
        pending, self.pending = self.pending, _Pending()
        self.room.set()
        if pending.outcomes:
            await self.w.in_db_thread(outbox.record, self.w.db, self.w.id, pending.outcomes)
        if pending.permanent and self.w.on_permanent is not None:
            await self.w.in_db_thread(self.w.on_permanent, pending.permanent)
        self._report()

    def _report(self) -> None:
        if self.w.progress is not None:
            self.w.progress(self.progress)

    # --- end -------------------------------------------------------------------------

    def _conclude(self) -> RunResult:
        db = self.w.db
        with db.session() as session:
            issue = session.get(Issue, self.issue_id)
            if self.halt.is_set() and self.halt_end is RunEnd.paused and self.halt_reason:
                if issue is not None and issue.status is IssueStatus.sending:
                    transition_issue(issue, IssueStatus.paused, reason=self.halt_reason)
                return RunResult(RunEnd.paused, self.progress, reason=self.halt_reason)
            if issue is not None and issue.status is IssueStatus.cancelled:
                outbox.cancel_open(session, self.send_id, "cancelled before delivery")
            if self.halt.is_set():
                reason = issue.status_reason if issue is not None else ""
                return RunResult(self.halt_end, self.progress, reason=reason)
            tally = outbox.counts(session, self.send_id)
            if tally[D.queued] or tally[D.sending]:
                return RunResult(RunEnd.busy, self.progress)
            if tally[D.failed_temporary]:
                return RunResult(
                    RunEnd.waiting, self.progress, outbox.next_retry_at(session, self.send_id)
                )
            send = session.get(Send, self.send_id)
            if send is not None and send.finished_at is None:
                send.finished_at = utcnow()
            if issue is not None and issue.status is IssueStatus.sending:
                transition_issue(issue, IssueStatus.sent)
            return RunResult(RunEnd.finished, self.progress)
