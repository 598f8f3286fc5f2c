"""The lanes of a run: one task per SMTP connection takes rows, builds and sends
each message, and records its result in the batch the recorder writes next."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import cast

from newsletter.delivery import notes
from newsletter.delivery.failure_window import AUTO_PAUSED, Window
from newsletter.delivery.outbox import Claimed, RowUpdate
from newsletter.delivery.progress import RunEnd
from newsletter.delivery.run_state import WAIT_STEP, Batch, RunState, log, settle
from newsletter.delivery.transport import Envelope, Message, Pipelining, RecipientResult
from newsletter.delivery.transport import Outcome as Result
from newsletter.i18n import Msg
from newsletter.models import DeliveryStatus as D
from newsletter.store.base import utcnow

#: the longest a lane's envelope sent ahead may wait for its body, in seconds (servers
#: wait minutes: Postfix's smtpd_timeout is 300 s)
AHEAD_MAX_WAIT = 10.0


class Lanes(RunState):
    """What each lane does with a row, and how its result is kept for the recorder."""

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

    async def _written(self, batch: Batch) -> bool:
        """Wait until ``batch`` is written; False if the run halts first. Once a quarter of
        the lanes wait for the pending batch, the recorder writes it without gathering
        more (the crash bound lets a lane run only two results ahead of the writes)."""
        if batch.written.is_set():
            return True
        batch.waiting += 1
        if batch is self.pending and batch.waiting >= self.due_at:
            self.due.set()
        loop = asyncio.get_running_loop()
        try:
            while not batch.written.is_set():
                if self.halt.is_set():
                    return False
                # a plain future and a timer (no ``asyncio.timeout``: this wait comes
                # with most messages); the timer wakes the lane at least every WAIT_STEP
                waiter: asyncio.Future[None] = loop.create_future()
                batch.waiters.append(waiter)
                timer = loop.call_later(WAIT_STEP, settle, waiter)
                try:
                    await waiter
                finally:
                    timer.cancel()
            return True
        finally:
            batch.waiting -= 1

    async def _lane(self) -> None:
        before_last: Batch | None = None  # the batch of the result before the last one
        last: Batch | None = None
        bucket = self.w.bucket
        transport = self.w.transport
        # under a slow SEND_RATE an envelope sent ahead would keep the server waiting in
        # its DATA state until the lane's next turn: only when that is a few seconds
        rate = bucket.rate
        pipelining = isinstance(transport, Pipelining) and (
            rate <= 0 or self.w.lanes / rate <= AHEAD_MAX_WAIT
        )
        held: _Held | None = None  # the next row, its envelope maybe on the wire already
        ends = False  # the queue said the run ends, behind ``held``
        try:
            while True:
                if held is None:
                    if ends:
                        return
                    row = await self._next()
                    if row is None:
                        return
                    current = _Held(row, self._build(row))
                else:
                    current, held = held, None
                row = current.row
                if self.halt.is_set():
                    self._unsend(current)
                    continue
                if bucket.rate > 0:  # unlimited: no coroutine to make and await
                    await bucket.acquire()
                # the crash bound: one unwritten result and one message on the wire at most
                if before_last is not None and not await self._written(before_last):
                    self._unsend(current)
                    continue
                if self.halt.is_set():
                    self._unsend(current)
                    continue
                if row.id in self.gone:  # unsubscribed since the claim
                    self._forget(current)
                    before_last, last = last, self._skip(row)
                    continue
                built = current.built
                if isinstance(built, Exception):  # cannot be built: a permanent failure
                    self._forget(current)
                    result = RecipientResult(row.email, Result.permanent, 0, "")
                    note = Msg(notes.NOT_BUILT, {"error": type(built).__name__})
                    before_last, last = last, self._result(row, result, note)
                    continue
                message, sender = built
                if not pipelining:
                    results = await transport.send(message, sender, [row.email])
                else:
                    # the next row's envelope goes behind this body, in the same write
                    held, ends = self._ahead()
                    then = held.envelope() if held is not None else None
                    results = await cast(Pipelining, transport).send(
                        message, sender, [row.email], tag=row.id, then=then
                    )
                before_last, last = last, self._result(row, results[0])
        finally:
            if held is not None:  # halted or failed meanwhile
                self._unsend(held)

    def _build(self, row: Claimed) -> tuple[Message, str] | Exception:
        try:
            return self.factory(row)
        except Exception as error:  # a message that cannot be built is a permanent failure
            log.exception("building message for delivery %s failed", row.id)
            return error

    def _ahead(self) -> tuple[_Held | None, bool]:
        """The next row of the queue, built, when one is waiting (no wait for one), and
        whether the queue said the run ends instead."""
        if self.queue.empty() or self.halt.is_set():
            return None, False
        row = self.queue.get_nowait()
        if row is None:
            return None, True
        return _Held(row, self._build(row)), False

    def _unsend(self, held: _Held) -> None:
        """A row taken but not sent: given back when the run ends."""
        self._forget(held)
        self.unsent.append(held.row.id)

    def _forget(self, held: _Held) -> None:
        """No body will follow the row's envelope if it went out ahead."""
        if isinstance(self.w.transport, Pipelining):
            self.w.transport.forget(held.row.id)

    def _skip(self, row: Claimed) -> Batch:
        note = Msg(notes.UNSUBSCRIBED)
        self.pending.updates.append(RowUpdate(row.id, D.skipped, "", utcnow(), note=note))
        self.progress.skipped += 1
        self.wake.set()
        return self.pending

    def _result(self, row: Claimed, result: RecipientResult, note: Msg | None = None) -> Batch:
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
        self.window.add(Window.UNREACHABLE if unreachable else Window.FAILED if failed else 0)
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


@dataclass(slots=True)
class _Held:
    """A row a lane took, and its message (or why it has none)."""

    row: Claimed
    built: tuple[Message, str] | Exception

    def envelope(self) -> Envelope | None:
        """The envelope to send ahead (none for a message that could not be built)."""
        if not isinstance(self.built, tuple):
            return None
        return Envelope(self.row.id, self.built[1], (self.row.email,))
