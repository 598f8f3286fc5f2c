"""The recorder of a run: writes results back in batches and beats the heartbeat."""

from __future__ import annotations

import asyncio
import contextlib

from newsletter.delivery import outbox
from newsletter.delivery.progress import RunEnd
from newsletter.delivery.run_state import HEARTBEAT_SECONDS, Abandoned, Batch, RunState, log


class Recorder(RunState):
    """Writes the pending results (``Batch``) and tells each lane once its batch is written."""

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
            if gather > 0 and not self.done and not self.halt.is_set() and not self.due.is_set():
                # short: a lost cancellation cannot wedge it
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(gather):
                        await self.due.wait()
            batch, self.pending = self.pending, Batch()
            self.due.clear()  # it counts the lanes waiting for the new pending batch
            last_write = loop.time()
            try:
                await self.db(self._write, batch)
            except Abandoned:
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
            batch.settle()
            self._report()

    def _write(self, batch: Batch) -> None:
        """Write a batch; safe to run again after a failure (a row already written is
        no longer ``sending`` under this worker, so it is left alone)."""
        outbox.record(self.w.db, self.w.id, batch.updates)
        if batch.permanent and self.w.on_permanent is not None:
            self.w.on_permanent(batch.permanent)
            batch.permanent = []
