"""The delivery worker: claims rows from the outbox, sends them, records the results.

Inside one process: a *feeder* claims batches into a bounded queue, ``lanes``
concurrent tasks (one per SMTP connection) take rows, build each message
(``MessageFactory``), wait for the token bucket and call the transport, and a
*recorder* writes results back in batches (what arrives during a write, or within
WRITE_GATHER of its start, goes into the next one) and beats the worker's heartbeat.

Crash bound: after ``kill -9``, the rows of the dead worker that are still ``sending``
go back to the queue (``outbox.recover_stale``) and are sent again. A recipient can
therefore receive the issue twice only if the server accepted the message but its
result was not yet written. A lane hands a message to the server only once the result
of the message before its last one is written, so at any moment a lane has at most one
accepted result waiting to be written and one message on the wire: **at most 2
recipients per connection can get a second copy** (8 with 4 connections). SIGTERM
(``stop``) stops claiming, lets in-flight messages finish, writes every result and
gives back the rows not attempted: zero duplicates. Both copies of a duplicate carry
the same Message-ID.

Database outage or full disk: the recorder keeps the results it has (accepted by the
server) and writes them when the database answers again; meanwhile the lanes wait
(the rule above stops them), the feeder stops claiming, and the progress says
"waiting for the database". A restart of the database costs no duplicate. Every wait
wakes at least once a second and every database call has a time limit, so one lost
cancellation (Python 3.11's ``asyncio.wait_for``, used inside aiosmtplib, can drop
one) cannot wedge the worker; after ``stop`` the worker gives up waiting after
``STOP_DRAIN_SECONDS`` (the unwritten results are then the bounded duplicates).

Unsubscribe: the claim skips rows whose subscriber left; the worker also re-reads,
every second, which of its claimed rows are no longer wanted, and skips them just
before sending.
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
from functools import partial
from typing import ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session

from newsletter.config import Settings
from newsletter.delivery import notes, outbox
from newsletter.delivery.outbox import Claimed, RowUpdate
from newsletter.delivery.retry import RetryPolicy
from newsletter.delivery.throttle import Caps, TokenBucket
from newsletter.delivery.transport import Message, RecipientResult, Transport
from newsletter.delivery.transport import Outcome as Result
from newsletter.editorial.issue_status import transition_issue
from newsletter.faults import DatabaseTimeout, Fault, fault_of
from newsletter.i18n import N_, Msg
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
#: how often the claimed rows are checked against unsubscribes
GATE_SECONDS = 1.0
#: a database call that gets no answer in this time is given up (its thread too)
DB_CALL_SECONDS = 30.0
#: after stop, how long in-flight messages and unwritten results are waited for
STOP_DRAIN_SECONDS = 30.0
#: no wait lasts longer than this without looking at stop and halt again
WAIT_STEP = 1.0
#: the crash bound: unwritten accepted results + messages on the wire, per connection
DUPLICATES_PER_CONNECTION = 2
AUTO_PAUSED = N_("{failed} of the last {window} messages failed; last reply: {reply}")
#: results are written at least this often (when there are any)
FLUSH_INTERVAL = 0.05
#: results arriving this soon after the start of a write wait for the next one, so that
#: one transaction carries several results (each lane still waits only for its
#: result before last: the crash bound)
WRITE_GATHER = 0.01


class MessageFactory(Protocol):
    def __call__(self, row: Claimed) -> tuple[Message, str]:
        """(finished message, envelope sender) for one claimed delivery."""
        ...


class SendOwner(Protocol):
    """Keeps the status of a send that has no issue (the relay of a list post:
    ``service.list_relays``), with the rules of an issue's send."""

    def status(self, session: Session, send: Send) -> IssueStatus:
        """The send's status as an issue's would be (the worker asks before claiming)."""
        ...

    def paused(self, session: Session, send: Send, reason: Msg) -> None:
        """The run paused the send itself (too many failures), saying why."""
        ...

    def finished(self, session: Session, send: Send) -> None:
        """Every delivery of the send is done."""
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


class _Abandoned(Exception):
    """Stop was asked and the database did not answer within STOP_DRAIN_SECONDS."""


@dataclass
class _Batch:
    """Results waiting to be written together; ``written`` is set once they are."""

    updates: list[RowUpdate] = field(default_factory=list)
    permanent: list[tuple[int, str]] = field(default_factory=list)
    written: asyncio.Event = field(default_factory=asyncio.Event)


class _Window:
    """The last ``size`` results of a send, kept across runs: 0 sent, FAILED, or
    UNREACHABLE (no answer from the relay: connection refused or lost, 421)."""

    FAILED = 1
    UNREACHABLE = 2

    def __init__(self, size: int) -> None:
        self.results: deque[int] = deque(maxlen=size)
        self.failures = 0
        self.unreachable = 0

    def add(self, result: int) -> None:
        if len(self.results) == self.results.maxlen:
            oldest = self.results[0]
            self.failures -= oldest != 0
            self.unreachable -= oldest == self.UNREACHABLE
        self.results.append(result)
        self.failures += result != 0
        self.unreachable += result == self.UNREACHABLE

    @property
    def relay_down(self) -> bool:
        """Most failures are the relay not answering (rather than refusing)."""
        return self.failures > 0 and self.unreachable * 2 >= self.failures


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
        owner: SendOwner | None = None,
        progress: Callable[[Progress], None] | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        write_gather: float = WRITE_GATHER,
        worker_id: str | None = None,
        gate_seconds: float = GATE_SECONDS,
        db_call_seconds: float = DB_CALL_SECONDS,
        stop_drain_seconds: float = STOP_DRAIN_SECONDS,
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
        #: the status of the sends without an issue (list posts' relays); None: such a
        #: send is sending until its deliveries are done
        self.owner = owner
        self.progress = progress
        self.flush_interval = flush_interval
        self.write_gather = write_gather
        self.gate_seconds = gate_seconds
        self.db_call_seconds = db_call_seconds
        self.stop_drain_seconds = stop_drain_seconds
        self.id = worker_id or f"w-{uuid.uuid4().hex[:16]}"
        self._registered = False
        # one thread (hence one pooled connection) for every database call of the worker
        self._db_thread: ThreadPoolExecutor | None = None
        #: totals over every run of this worker
        self.totals = Progress()
        #: recent results per send, for the auto-pause rule
        self.windows: dict[int, _Window] = {}

    # --- lifecycle -------------------------------------------------------------------

    def register(self) -> None:
        if not self._registered:
            outbox.register_worker(self.db, self.id)
            self._registered = True

    def unregister(self) -> None:
        try:
            if self._registered:
                outbox.unregister_worker(self.db, self.id)
                self._registered = False
        except Exception as error:  # the database is gone: the lease will tell
            if fault_of(error) is None:
                raise
            log.warning("worker %s not unregistered: %s", self.id, fault_of(error))
        finally:
            if self._db_thread is not None:
                self._db_thread.shutdown(wait=False)
                self._db_thread = None

    async def in_db_thread(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a blocking database call off the event loop, in the worker's DB thread;
        ``DatabaseTimeout`` after ``db_call_seconds`` without an answer (the thread is
        then left to finish on its own and a new one takes the next calls)."""
        if self._db_thread is None:
            self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        thread = self._db_thread
        future = asyncio.get_running_loop().run_in_executor(thread, partial(func, *args, **kwargs))
        try:
            async with asyncio.timeout(self.db_call_seconds):
                return await future
        except TimeoutError:
            if self._db_thread is thread:
                self._db_thread = None
                thread.shutdown(wait=False)
            raise DatabaseTimeout(f"no answer within {self.db_call_seconds} s") from None

    # --- one send --------------------------------------------------------------------

    async def run_send(
        self, send_id: int, factory: MessageFactory, stop: asyncio.Event
    ) -> RunResult:
        """Send every due row of ``send_id``; returns why it ended."""
        run = _Run(self, send_id, factory, stop)
        # a stop asked while the database is down, before the run starts, must end it too
        watcher = asyncio.create_task(run.abandon_after_stop())
        try:
            await run.db(self.register)
            # a fresh heartbeat before claiming: an idle worker's claims must not look stale
            await run.db(outbox.heartbeat, self.db, self.id)
            await run.db(outbox.recover_stale, self.db, LEASE)
        except _Abandoned:
            return RunResult(RunEnd.stopped, self.totals)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
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
        self.pending = _Batch()
        self.progress = worker.totals
        settings = worker.settings
        self.window = worker.windows.setdefault(send_id, _Window(settings.auto_pause_window))
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
        self.done = False
        self.issue_id = 0
        self.started: datetime = utcnow()

    # --- the database, patiently -----------------------------------------------------

    async def db(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``func`` in the DB thread, tried again while the database is down or the disk
        full (the progress says so); ``_Abandoned`` once stop was asked long enough ago."""
        delay = 0.2
        while True:
            try:
                result = await self.w.in_db_thread(func, *args, **kwargs)
            except Exception as error:
                fault = fault_of(error)
                if fault is None:
                    raise
                if self.abandon:
                    raise _Abandoned from error
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

    # --- the run ---------------------------------------------------------------------

    async def execute(self) -> RunResult:
        try:
            self.issue_id, self.started = await self.db(self._send_info)
        except _Abandoned:
            return RunResult(RunEnd.stopped, self.progress)
        lanes = [asyncio.create_task(self._lane()) for _ in range(self.w.lanes)]
        recorder = asyncio.create_task(self._recorder())
        helpers = [asyncio.create_task(self._watch_stop()), asyncio.create_task(self._gate())]
        try:
            with contextlib.suppress(_Abandoned):
                await self._feed()
            for _ in lanes:
                while not self.abandon and not all(lane.done() for lane in lanes):
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WAIT_STEP):
                            await self.queue.put(None)
                            break
            await self._join(lanes)
        finally:
            for helper in helpers:
                helper.cancel()
            await self._join(helpers, limit=0)
            await self._join(lanes, limit=0)
            self.done = True
            self.wake.set()
            await self._join([recorder])
            # whatever is still queued was claimed but never attempted
            while not self.queue.empty():
                item = self.queue.get_nowait()
                if item is not None:
                    self.unsent.append(item.id)
        try:
            await self.db(outbox.release, self.w.db, self.w.id, self.unsent)
            if not self.unwritten:  # rows a claim without an answer took, never queued
                await self.db(outbox.release_all, self.w.db, self.w.id)
            return await self.db(self._conclude)
        except _Abandoned:
            return RunResult(RunEnd.stopped, self.progress, unwritten=self.unwritten)

    async def _join(self, tasks: list[asyncio.Task[None]], limit: float | None = None) -> None:
        """Wait for ``tasks`` in steps; cancel them after ``limit`` seconds (None: only
        when abandoning), then give up on them after 5 s (a cancellation may be lost).
        Raises the first error of a task (other than a cancellation)."""
        loop = asyncio.get_running_loop()
        end = None if limit is None else loop.time() + limit
        pending = {t for t in tasks if not t.done()}
        while pending:
            if self.abandon or (end is not None and loop.time() >= end):
                for task in pending:
                    task.cancel()
                _done, pending = await asyncio.wait(pending, timeout=5.0)
                if pending:
                    log.error("%d worker tasks did not stop; leaving them", len(pending))
                break
            _done, pending = await asyncio.wait(pending, timeout=WAIT_STEP)
        for task in tasks:
            if task.done() and not task.cancelled():
                error = task.exception()
                if error is not None and not isinstance(error, _Abandoned):
                    raise error

    def _send_info(self) -> tuple[int, datetime]:
        with self.w.db.session() as session:
            send = session.get(Send, self.send_id)
            if send is None:
                raise ValueError(f"no send {self.send_id}")
            return send.issue_id or 0, send.created_at

    async def _watch_stop(self) -> None:
        """Halt on ``stop``, or as soon as the issue leaves ``sending`` (paused or
        cancelled by the coordinator): claimed rows not yet sent are given back. After
        ``stop``, give up waiting for the database after STOP_DRAIN_SECONDS."""
        while not self.stop.is_set():
            await self._sleep(STATUS_POLL_SECONDS, self.stop)
            if self.stop.is_set():
                break
            status = await self._try(self._issue_status)
            if status is None or status is IssueStatus.sent:  # down, or finished elsewhere
                continue
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused)
        self._halt(RunEnd.stopped)
        await self._give_up_after_drain()
        self.wake.set()

    async def _gate(self) -> None:
        """Every GATE_SECONDS, which claimed rows belong to someone who left."""
        while not self.halt.is_set():
            await self._sleep(self.w.gate_seconds, self.halt)
            gone = await self._try(outbox.unwanted_claimed, self.w.db, self.send_id, self.w.id)
            if gone is not None:
                self.gone = gone

    def _halt(self, end: RunEnd, reason: Msg | None = None) -> None:
        if not self.halt.is_set():
            self.halt_end = end
            self.halt_reason = reason
            self.halt.set()

    # --- feeder ----------------------------------------------------------------------

    async def _feed(self) -> None:
        while not self.halt.is_set():
            status = await self.db(self._issue_status)
            if status is IssueStatus.sent:  # another sender finished it
                return
            if status is not IssueStatus.sending:
                self._halt(RunEnd.paused)
                return
            limit = await self._allowance()
            if limit is None:
                continue
            claimed, skipped = await self.db(
                outbox.claim, self.w.db, self.send_id, self.w.id, limit
            )
            self.progress.skipped += skipped
            if not claimed and not skipped:
                return
            for index, row in enumerate(claimed):
                while not self.halt.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(WAIT_STEP):
                            await self.queue.put(row)
                            break
                if self.halt.is_set():
                    self.unsent.extend(r.id for r in claimed[index:])
                    return

    def _issue_status(self) -> IssueStatus:
        with self.w.db.session() as session:
            if not self.issue_id:  # the relay of a list post: its owner keeps its status
                send = session.get(Send, self.send_id)
                if send is not None and self.w.owner is not None:
                    return self.w.owner.status(session, send)
                done = send is None or send.finished_at is not None
                return IssueStatus.sent if done else IssueStatus.sending
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

        left, wake = await self.db(room)
        if left > 0:
            return left
        self.progress.note = N_("Sending cap reached; waiting.")
        self._report()
        delay = max(1.0, min(60.0, ((wake or now) - now).total_seconds() + 0.5))
        await self._sleep(delay, self.halt)
        self.progress.note = ""
        return None

    # --- lanes -----------------------------------------------------------------------

    async def _next(self) -> Claimed | None:
        queue = self.queue
        if not queue.empty():  # the usual case: no timer to set up
            return queue.get_nowait()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT_STEP):
                    return await self.queue.get()
            if self.abandon:
                return None

    async def _written(self, batch: _Batch) -> bool:
        """Wait until ``batch`` is written; False if the run halts first."""
        while not batch.written.is_set():
            if self.halt.is_set():
                return False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT_STEP):
                    await batch.written.wait()
        return True

    async def _lane(self) -> None:
        before_last: _Batch | None = None  # the batch of the result before the last one
        last: _Batch | None = None
        while True:
            row = await self._next()
            if row is None:
                return
            if self.halt.is_set():
                self.unsent.append(row.id)
                continue
            await self.w.bucket.acquire()
            # the crash bound: one unwritten result and one message on the wire at most
            if before_last is not None and not await self._written(before_last):
                self.unsent.append(row.id)
                continue
            if self.halt.is_set():
                self.unsent.append(row.id)
                continue
            if row.id in self.gone:  # unsubscribed since the claim
                before_last, last = last, self._skip(row)
                continue
            try:
                message, sender = self.factory(row)
            except Exception as error:  # a message that cannot be built is a permanent failure
                log.exception("building message for delivery %s failed", row.id)
                result = RecipientResult(row.email, Result.permanent, 0, "")
                note = Msg(notes.NOT_BUILT, {"error": type(error).__name__})
                before_last, last = last, self._result(row, result, note)
            else:
                results = await self.w.transport.send(message, sender, [row.email])
                before_last, last = last, self._result(row, results[0])

    def _skip(self, row: Claimed) -> _Batch:
        note = Msg(notes.UNSUBSCRIBED)
        self.pending.updates.append(RowUpdate(row.id, D.skipped, "", utcnow(), note=note))
        self.progress.skipped += 1
        self.wake.set()
        return self.pending

    def _result(self, row: Claimed, result: RecipientResult, note: Msg | None = None) -> _Batch:
        """Record ``result``: the server's reply as received, and what the sender adds
        (``note``: no reply at all, gave up after the last retry…) as a message id."""
        now = utcnow()
        reply = f"{result.code} {result.reply}".strip() if result.code else result.reply
        failed = result.outcome is not Result.sent
        if note is None and failed and not result.code:
            note = Msg(notes.NO_REPLY)  # a connection error, not a server's answer
        batch = self.pending
        if result.outcome is Result.sent:
            update = RowUpdate(row.id, D.sent, reply, now, note=note)
            self.progress.sent += 1
        elif result.outcome is Result.temporary and not self.w.policy.expired(self.started, now):
            update = RowUpdate(
                row.id, D.failed_temporary, reply, now,
                self.w.policy.next_attempt(row.attempts, now), note=note,
            )  # fmt: skip
            self.progress.retrying += 1
        else:
            if result.outcome is Result.temporary:
                note = Msg(notes.GAVE_UP, {"attempts": row.attempts})
            update = RowUpdate(row.id, D.failed_permanent, reply, now, note=note)
            batch.permanent.append((row.subscriber_id, reply))
            self.progress.failed += 1
        batch.updates.append(update)
        unreachable = result.outcome is Result.temporary and result.code in (0, 421)
        self.window.add(_Window.UNREACHABLE if unreachable else _Window.FAILED if failed else 0)
        if failed:
            self.last_reply = notes.shown(note, reply)
        self.wake.set()
        self._judge()
        return batch

    def _judge(self) -> None:
        """Auto-pause when too large a share of the send's recent messages failed, once
        the window holds AUTO_PAUSE_MIN_RESULTS results."""
        window = self.window
        if len(window.results) < self.min_results:
            return
        share = window.failures / len(window.results)
        if share > self.w.settings.auto_pause_failure_ratio:
            figures = {"failed": window.failures, "window": len(window.results)}
            reason = Msg(AUTO_PAUSED, {**figures, "reply": self.last_reply})
            self._halt(RunEnd.paused, reason)

    # --- recorder --------------------------------------------------------------------

    async def _recorder(self) -> None:
        loop = asyncio.get_running_loop()
        last_beat = last_write = loop.time()
        while True:
            if not self.pending.updates:
                if self.done:
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.w.flush_interval):
                        await self.wake.wait()
                self.wake.clear()
                if loop.time() - last_beat > HEARTBEAT_SECONDS:
                    await self._try(outbox.heartbeat, self.w.db, self.w.id)
                    last_beat = loop.time()
                continue
            gather = last_write + self.w.write_gather - loop.time()
            if gather > 0 and not self.done and not self.halt.is_set():
                await asyncio.sleep(gather)  # short: a lost cancellation cannot wedge it
            batch, self.pending = self.pending, _Batch()
            last_write = loop.time()
            try:
                await self.db(self._write, batch)
            except _Abandoned:
                self.unwritten += len(batch.updates) + len(self.pending.updates)
                log.error(
                    "stopping with %d results not written: those recipients may get a "
                    "second copy when the send resumes", self.unwritten
                )  # fmt: skip
                return
            except Exception:  # not a fault of the database: the run cannot go on
                self._halt(RunEnd.stopped)
                raise
            batch.written.set()
            self._report()

    def _write(self, batch: _Batch) -> None:
        """Write a batch; safe to run again after a failure (a row already written is
        no longer ``sending`` under this worker, so it is left alone)."""
        outbox.record(self.w.db, self.w.id, batch.updates)
        if batch.permanent and self.w.on_permanent is not None:
            self.w.on_permanent(batch.permanent)
            batch.permanent = []

    def _report(self) -> None:
        if self.w.progress is not None:
            self.w.progress(self.progress)

    # --- end -------------------------------------------------------------------------

    def _conclude(self) -> RunResult:
        db = self.w.db
        with db.session() as session:
            issue = session.get(Issue, self.issue_id) if self.issue_id else None
            send = session.get(Send, self.send_id)
            owner = self.w.owner if send is not None and not self.issue_id else None
            if self.halt.is_set() and self.halt_end is RunEnd.paused and self.halt_reason:
                relay_down = self.window.relay_down
                if issue is not None and issue.status is IssueStatus.sending:
                    transition_issue(issue, IssueStatus.paused, reason=self.halt_reason)
                    if send is not None:
                        send.relay_paused_at = utcnow() if relay_down else None
                elif owner and send and owner.status(session, send) is IssueStatus.sending:
                    owner.paused(session, send, self.halt_reason)
                    send.relay_paused_at = utcnow() if relay_down else None
                return RunResult(RunEnd.paused, self.progress, reason=self.halt_reason,
                                 relay_down=relay_down)  # fmt: skip
            status = issue.status if issue is not None else None
            if owner is not None and send is not None:
                status = owner.status(session, send)
            if status is IssueStatus.cancelled:
                outbox.cancel_open(session, self.send_id)
            if self.halt.is_set():
                reason = issue.reason if issue is not None else None
                return RunResult(self.halt_end, self.progress, reason=reason)
            tally = outbox.counts(session, self.send_id)
            if tally[D.queued] or tally[D.sending]:
                return RunResult(RunEnd.busy, self.progress)
            if tally[D.failed_temporary]:
                return RunResult(
                    RunEnd.waiting, self.progress, outbox.next_retry_at(session, self.send_id)
                )
            if send is not None and send.finished_at is None:
                send.finished_at = utcnow()
            if issue is not None and issue.status is IssueStatus.sending:
                transition_issue(issue, IssueStatus.sent)
            elif owner is not None and send is not None:
                owner.finished(session, send)
            return RunResult(RunEnd.finished, self.progress)
