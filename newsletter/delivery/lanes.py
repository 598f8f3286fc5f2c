"""The lanes of a run: one task per SMTP connection takes rows, builds and sends
each message, and records its result in the batch the recorder writes next."""

from __future__ import annotations

import asyncio
import contextlib

from newsletter.delivery import notes
from newsletter.delivery.failure_window import AUTO_PAUSED, Window
from newsletter.delivery.outbox import Claimed, RowUpdate
from newsletter.delivery.progress import RunEnd
from newsletter.delivery.run_state import WAIT_STEP, Batch, RunState, log
from newsletter.delivery.transport import Outcome as Result
from newsletter.delivery.transport import RecipientResult
from newsletter.i18n import Msg
from newsletter.models import DeliveryStatus as D
from newsletter.store.base import utcnow


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
        """Wait until ``batch`` is written; False if the run halts first."""
        while not batch.written.is_set():
            if self.halt.is_set():
                return False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT_STEP):
                    await batch.written.wait()
        return True

    async def _lane(self) -> None:
        before_last: Batch | None = None  # the batch of the result before the last one
        last: Batch | None = None
        bucket = self.w.bucket
        while True:
            row = await self._next()
            if row is None:
                return
            if self.halt.is_set():
                self.unsent.append(row.id)
                continue
            if bucket.rate > 0:  # unlimited: no coroutine to make and await
                await bucket.acquire()
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
